using k8s;

using TrafficConsole.Cluster.Connection;
using TrafficConsole.Cluster.Diagnostics;

namespace TrafficConsole.Cluster.Identity;

/// <summary>
/// Makes a Kubernetes client that calls as a <see cref="ClusterIdentity"/>, from the console's base configuration.
/// The shared client's headers are never touched: every user gets a client of their own for the call.
/// </summary>
public interface IUserClients
{
    /// <summary>A client that calls as <paramref name="identity"/> (null: the console's own credentials). Dispose it after the call.</summary>
    IKubernetes ClientFor(ClusterIdentity? identity);
}

/// <summary>Clients for users from the console's <see cref="KubernetesClientConfiguration"/>.</summary>
public sealed class UserClients : IUserClients
{
    private readonly Func<KubernetesClientConfiguration> _configuration;
    private readonly IApiRequestObserver? _observer;

    /// <summary>Clients from <paramref name="configuration"/>, the one the shared client was made from.</summary>
    /// <param name="configuration">The configuration the shared client was made from.</param>
    /// <param name="observer">Times every request for /metrics, as the shared client does.</param>
    public UserClients(KubernetesClientConfiguration configuration, IApiRequestObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = () => configuration;
        _observer = observer;
    }

    /// <summary>Clients from the connection's configuration, read when the first user's client is made (the connection is connected by then).</summary>
    /// <param name="connection">The process's connection.</param>
    /// <param name="observer">Times every request for /metrics, as the shared client does.</param>
    public UserClients(ClusterConnection connection, IApiRequestObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _configuration = () => connection.Configuration;
        _observer = observer;
    }

    private KubernetesClientConfiguration BaseConfiguration => field ??= _configuration();

    // Connections made from here on put each impersonated group on its own Impersonate-Group line (see GroupHeaderLines).
    private KubernetesClientConfiguration ImpersonatingConfiguration => field ??= GroupHeaderLines.Install(BaseConfiguration);

    /// <inheritdoc />
    public IKubernetes ClientFor(ClusterIdentity? identity)
    {
        List<DelegatingHandler> handlers = [];
        if (_observer is not null)
        {
            handlers.Add(new ApiRequestTimingHandler(_observer));
        }

        switch (identity)
        {
            case null:
                return new Kubernetes(BaseConfiguration, [.. handlers]);
            case ClusterIdentity.Impersonated impersonated:
                handlers.Add(new ImpersonationHandler(impersonated));
                return new Kubernetes(ImpersonatingConfiguration, [.. handlers]);
            case ClusterIdentity.BearerToken bearer:
                // The user's token only: no client certificate or token of the console's may go along with it.
                KubernetesClientConfiguration configuration = BaseConfiguration;
                KubernetesClientConfiguration own = new()
                {
                    Host = configuration.Host,
                    SslCaCerts = configuration.SslCaCerts,
                    SkipTlsVerify = configuration.SkipTlsVerify,
                    TlsServerName = configuration.TlsServerName,
                    AccessToken = bearer.Token,
                };
                return new Kubernetes(own, [.. handlers]);
            default:
                throw new ArgumentOutOfRangeException(nameof(identity), identity.GetType().Name, "Unknown cluster identity.");
        }
    }
}

/// <summary>
/// Adds <c>Impersonate-User</c> and every group to every request. HttpClient would join repeated values of one header
/// into one line (<c>Impersonate-Group: a, b</c>), which the API server reads as one group named "a, b"; so each group
/// goes under its own same-length name (<c>Impersonate-Gr000</c>, <c>Impersonate-Gr001</c>...) that
/// <see cref="GroupHeaderLines"/> renames to <c>Impersonate-Group</c> on the wire, one line per group.
/// </summary>
/// <param name="identity">Who to impersonate.</param>
public sealed class ImpersonationHandler(ClusterIdentity.Impersonated identity) : DelegatingHandler
{
    /// <summary>At most this many groups are sent (the alias names have three digits).</summary>
    public const int MaxGroups = 1000;

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove("Impersonate-User");
        request.Headers.Remove("Impersonate-Group");
        request.Headers.TryAddWithoutValidation("Impersonate-User", identity.User);
        int index = 0;
        foreach (string group in identity.Groups.Take(MaxGroups))
        {
            request.Headers.TryAddWithoutValidation(GroupHeaderLines.AliasOf(index++), group);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Renames <see cref="ImpersonationHandler"/>'s per-group alias headers to <c>Impersonate-Group</c> in the bytes an
/// HTTP/1.1 connection sends (SocketsHttpHandler's plaintext stream, inside TLS). The names have the same length, so
/// nothing else in the request moves. An alias that reached the server unrenamed would be ignored by it: the user
/// would have fewer groups, never more.
/// </summary>
public static class GroupHeaderLines
{
    private const string Prefix = "Impersonate-Gr";

    private static readonly byte[] LineStart = "\r\n"u8.ToArray().Concat(System.Text.Encoding.ASCII.GetBytes(Prefix)).ToArray();

    /// <summary>The alias header name of the group at <paramref name="index"/>.</summary>
    public static string AliasOf(int index) => Prefix + index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Makes the HTTP/1.1 connections of clients created from <paramref name="configuration"/> from now on rename the
    /// aliases (clients made before keep their connections); any first-handler setup already there still runs.
    /// </summary>
    public static KubernetesClientConfiguration Install(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Action<SocketsHttpHandler>? previous = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = sockets =>
        {
            previous?.Invoke(sockets);
            Func<SocketsHttpPlaintextStreamFilterContext, CancellationToken, ValueTask<Stream>>? inner = sockets.PlaintextStreamFilter;
            sockets.PlaintextStreamFilter = async (context, ct) =>
                new RenamingStream(inner is null ? context.PlaintextStream : await inner(context, ct).ConfigureAwait(false));
        };
        return configuration;
    }

    /// <summary>Renames every alias in <paramref name="bytes"/> in place; returns how many it renamed.</summary>
    public static int Rename(Span<byte> bytes)
    {
        int renamed = 0;
        int from = 0;
        while (from < bytes.Length)
        {
            int at = bytes[from..].IndexOf(LineStart);
            if (at < 0)
            {
                break;
            }

            int digits = from + at + LineStart.Length;
            if (digits + 4 <= bytes.Length && IsDigit(bytes[digits]) && IsDigit(bytes[digits + 1]) && IsDigit(bytes[digits + 2]) && bytes[digits + 3] == (byte)':')
            {
                bytes[digits] = (byte)'o';
                bytes[digits + 1] = (byte)'u';
                bytes[digits + 2] = (byte)'p';
                renamed++;
            }

            from = digits;
        }

        return renamed;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>Passes reads through; renames aliases in what is written (a copy: the caller's buffer is left alone).</summary>
    private sealed class RenamingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.IndexOf(LineStart) < 0)
            {
                inner.Write(buffer);
                return;
            }

            byte[] copy = buffer.ToArray();
            Rename(copy);
            inner.Write(copy);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Span.IndexOf(LineStart) < 0)
            {
                return inner.WriteAsync(buffer, cancellationToken);
            }

            byte[] copy = buffer.ToArray();
            Rename(copy);
            return inner.WriteAsync(copy, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
