using System.Collections.Immutable;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>One request as the audit log records it: who (after impersonation), what, and the answer.</summary>
/// <param name="Time">When the request was answered.</param>
/// <param name="User">The user the request ran as (the impersonated user when there was impersonation).</param>
/// <param name="Groups">That user's groups.</param>
/// <param name="ImpersonatedBy">The authenticated caller when it impersonated <paramref name="User"/>, else null.</param>
/// <param name="Verb">The RBAC verb: get, list, watch, create, update, patch, delete, deletecollection, or a path verb.</param>
/// <param name="ApiGroup">The resource's API group ("" for core).</param>
/// <param name="Resource">The resource, with "/subresource" when there is one; for a non-resource request, the path.</param>
/// <param name="Namespace">The namespace, or null at cluster scope.</param>
/// <param name="Name">The object's name, or null for collections.</param>
/// <param name="Code">The HTTP status answered.</param>
public sealed record AuditEntry(DateTimeOffset Time, string User, ImmutableArray<string> Groups, string? ImpersonatedBy, string Verb,
    string ApiGroup, string Resource, string? Namespace, string? Name, int Code);

/// <summary>
/// The most recent writes and refusals the sandbox answered (reads that succeed are not kept), for tests and demos
/// to see whom a request ran as.
/// </summary>
public sealed class SandboxAudit
{
    private const int Capacity = 10_000;
    private readonly Queue<AuditEntry> _entries = new();
    private readonly Lock _gate = new();

    /// <summary>The entries, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    internal void Add(AuditEntry entry)
    {
        lock (_gate)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(entry);
        }
    }
}
