using System.Collections.Immutable;
using System.Net;

using k8s;
using k8s.Autorest;
using k8s.Models;

using TrafficConsole.Cluster.Connection;

namespace TrafficConsole.Cluster.Secrets;

/// <summary>What reading the key ring's Secret found.</summary>
public abstract record KeyRingRead
{
    private KeyRingRead()
    {
    }

    /// <summary>The Secret's entries (none when the Secret does not exist yet).</summary>
    /// <param name="Entries">Entry name to value.</param>
    public sealed record Found(ImmutableDictionary<string, byte[]> Entries) : KeyRingRead;

    /// <summary>The console may not read the Secret.</summary>
    /// <param name="Verb">What it was refused (get).</param>
    /// <param name="StatusCode">The API server's status code (401 or 403).</param>
    public sealed record Refused(string Verb, int StatusCode) : KeyRingRead;
}

/// <summary>What adding an entry to the key ring's Secret did.</summary>
public abstract record KeyRingWrite
{
    private KeyRingWrite()
    {
    }

    /// <summary>The entry is in the Secret, beside every entry that was there (the Secret was created when missing).</summary>
    public sealed record Stored : KeyRingWrite;

    /// <summary>The console may not write the Secret.</summary>
    /// <param name="Verb">What it was refused (get, create or update).</param>
    /// <param name="StatusCode">The API server's status code (401 or 403).</param>
    public sealed record Refused(string Verb, int StatusCode) : KeyRingWrite;
}

/// <summary>
/// The entries of one Kubernetes Secret that holds a key ring (ASP.NET Core's data protection keys, one entry per key), shared by
/// every replica. An entry is added with a read-modify-write on the Secret's resourceVersion, so two replicas adding at once
/// never drop each other's.
/// </summary>
public interface IKeyRingStore
{
    /// <summary>The entries of Secret <paramref name="namespaceName"/>/<paramref name="name"/>.</summary>
    Task<KeyRingRead> ReadAsync(string namespaceName, string name, CancellationToken cancellationToken = default);

    /// <summary>Adds (or replaces) entry <paramref name="entry"/>, keeping every other; creates the Secret when it does not exist.</summary>
    Task<KeyRingWrite> AddAsync(string namespaceName, string name, string entry, byte[] value, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IKeyRingStore"/> on the console's own credentials (the shared connection).</summary>
public sealed class KeyRingStore(ClusterConnection connection) : IKeyRingStore
{
    private const int Attempts = 20;

    /// <inheritdoc />
    public async Task<KeyRingRead> ReadAsync(string namespaceName, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return await GetAsync(namespaceName, name, cancellationToken).ConfigureAwait(false) switch
        {
            (_, { } refused) => new KeyRingRead.Refused("get", refused),
            (var secret, _) => new KeyRingRead.Found(secret?.Data?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, byte[]>.Empty),
        };
    }

    /// <inheritdoc />
    public async Task<KeyRingWrite> AddAsync(string namespaceName, string name, string entry, byte[] value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(entry);
        ArgumentNullException.ThrowIfNull(value);
        for (int attempt = 1; ; attempt++)
        {
            (V1Secret? secret, int? readRefused) = await GetAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
            if (readRefused is { } code)
            {
                return new KeyRingWrite.Refused("get", code);
            }

            try
            {
                if (secret is null)
                {
                    await connection.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
                    {
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = namespaceName, Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "traffic-console" } },
                        Type = "Opaque",
                        Data = new Dictionary<string, byte[]> { [entry] = value },
                    }, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Kept as read: the PUT carries its resourceVersion, so an entry another replica added meanwhile is a 409, not lost.
                    secret.Data ??= new Dictionary<string, byte[]>();
                    secret.Data[entry] = value;
                    await connection.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                return new KeyRingWrite.Stored();
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < Attempts)
            {
                // Another replica wrote first: read again and add on top, after a jittered pause so writers stop colliding.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
            {
                return new KeyRingWrite.Refused(secret is null ? "create" : "update", (int)ex.Response.StatusCode);
            }
        }
    }

    private async Task<(V1Secret? Secret, int? Refused)> GetAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.Client.CoreV1.ReadNamespacedSecretAsync(name, namespaceName, cancellationToken: cancellationToken).ConfigureAwait(false), null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            return (null, (int)ex.Response.StatusCode);
        }
    }
}
