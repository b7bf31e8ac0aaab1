using System.Net;
using System.Net.Sockets;

namespace TrafficConsole.TestSupport.ConsoleHost;

/// <summary>
/// A loopback TCP proxy in front of the sandbox that can freeze like an API server under <c>kill -STOP</c>: connections are
/// still accepted (the kernel's backlog would), but no byte moves either way, on old or new connections, until
/// <see cref="Thaw"/>; then everything held flows on.
/// </summary>
public sealed class FreezableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private TaskCompletionSource _running = Completed();

    public FreezableProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>The address to give the console instead of the sandbox's.</summary>
    public Uri Url { get; }

    /// <summary>True while frozen.</summary>
    public bool Frozen => !_running.Task.IsCompleted;

    /// <summary>Stops moving bytes (the API server is frozen).</summary>
    public void Freeze()
    {
        if (!Frozen)
        {
            _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Moves bytes again (the API server continues).</summary>
    public void Thaw() => _running.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Thaw();
        _listener.Stop();
        lock (_connections)
        {
            foreach (TcpClient connection in _connections)
            {
                connection.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using TcpClient upstream = new();
        Track(client);
        Track(upstream);
        try
        {
            await _running.Task.WaitAsync(_stopping.Token);
            await upstream.ConnectAsync(_target, _stopping.Token);
            using CancellationTokenSource done = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            Task up = PumpAsync(client.GetStream(), upstream.GetStream(), done.Token);
            Task down = PumpAsync(upstream.GetStream(), client.GetStream(), done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The sandbox stopped or a side hung up: close both.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                await _running.Task.WaitAsync(cancellationToken);
                int read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                // Bytes read just before a freeze wait here, as a stopped process would not have sent them.
                await _running.Task.WaitAsync(cancellationToken);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // Closed.
        }
    }

    private void Track(TcpClient connection)
    {
        lock (_connections)
        {
            _connections.RemoveAll(static c => !c.Connected && c.Client is null);
            _connections.Add(connection);
        }
    }

    private static TaskCompletionSource Completed()
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
