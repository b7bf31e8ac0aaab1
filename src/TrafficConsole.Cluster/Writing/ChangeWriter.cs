using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Identity;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Cluster.Writing;

/// <summary>
/// The cluster layer's one flow for a routing change: write the plan as the user (the writer returns once the shared cache
/// shows the result), then record the history revision it produced. Callers decide whether a change may be written; this
/// decides how it is written.
/// </summary>
public interface IChangeWriter
{
    /// <summary>Writes <paramref name="plan"/> over <paramref name="before"/> and records the revision; the outcome is the write's.</summary>
    Task<WriteResult> ApplyAsync(ServiceView before, RoutingPlan plan, RevisionChange change, ClusterIdentity? user, CancellationToken cancellationToken = default);

    /// <summary>Deletes the resources of <paramref name="plan"/> and records the revision; the outcome is the write's.</summary>
    Task<WriteResult> DeleteAsync(ServiceView before, DeletePlan plan, RevisionChange change, ClusterIdentity? user, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IChangeWriter"/> over the <see cref="IRoutingWriter"/> and the <see cref="RevisionRecorder"/>: while the write is
/// under way the recorder's own loop leaves the service alone (the write passes through partial states), and a revision
/// that cannot be recorded is logged, never turned into a failure of a change that is already in the cluster.
/// </summary>
public sealed partial class ChangeWriter(IRoutingWriter writer, RevisionRecorder recorder, ILogger<ChangeWriter>? logger = null) : IChangeWriter
{
    private readonly ILogger _logger = logger ?? NullLogger<ChangeWriter>.Instance;

    public Task<WriteResult> ApplyAsync(ServiceView before, RoutingPlan plan, RevisionChange change, ClusterIdentity? user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return WriteAsync(before, change, () => writer.ApplyAsync(plan, change.Actor, user, cancellationToken));
    }

    public Task<WriteResult> DeleteAsync(ServiceView before, DeletePlan plan, RevisionChange change, ClusterIdentity? user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(before);
        return WriteAsync(before, change, () => writer.DeleteAsync(plan, change.Actor, before.Namespace, before.Name, user, cancellationToken));
    }

    private async Task<WriteResult> WriteAsync(ServiceView before, RevisionChange change, Func<Task<WriteResult>> write)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(change);
        using IDisposable writing = recorder.BeginWrite(before.Namespace, before.Name);
        WriteResult result = await write().ConfigureAwait(false);
        if (result is WriteResult.Applied applied)
        {
            try
            {
                await recorder.RecordAppliedAsync(before, applied, change, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRecordingFailed(ex, before.Namespace, before.Name, applied.Revision);
            }
        }

        return result;
    }

    // "@Namespace": the generator names an @-parameter's property after it, and Serilog matches names exactly.
    [LoggerMessage(EventId = 104, Level = LogLevel.Warning,
        Message = "The change of {Namespace}/{Service} (revision {Revision}) was applied but its history revision could not be recorded")]
    private partial void LogRecordingFailed(Exception exception, string @Namespace, string service, string revision);
}
