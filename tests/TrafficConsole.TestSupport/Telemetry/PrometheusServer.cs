using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TrafficConsole.TestSupport.Telemetry;

/// <summary>
/// The real Prometheus (<c>/usr/bin/prometheus</c>, installed by test.sh) on a free 127.0.0.1 port, scraping the given
/// targets' <c>/stats/prometheus</c> every second, with its storage in a temporary directory deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string _directory;

    private PrometheusServer(Process process, StringBuilder output, string directory, Uri url)
    {
        _process = process;
        _output = output;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>What Prometheus wrote to stderr so far (its log), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts Prometheus scraping <paramref name="targets"/> (host:port) and waits until it is ready; retries on a port clash,
    /// unless <paramref name="port"/> fixes the port (a console configured with its URL before it starts).
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets, TimeSpan? scrapeInterval = null, int? port = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing; ./test.sh installs Debian's prometheus package.");
        }

        string interval = $"{(int)(scrapeInterval ?? TimeSpan.FromSeconds(1)).TotalSeconds}s";
        string list = string.Join(", ", targets.Select(t => $"'{t}'"));
        string lastLog = string.Empty;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string directory = Directory.CreateTempSubdirectory("trafficconsole-prometheus-").FullName;
            string config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: {interval}
                  evaluation_interval: {interval}
                scrape_configs:
                  - job_name: mesh
                    metrics_path: /stats/prometheus
                    static_configs:
                      - targets: [{list}]
                """);

            int listen = port ?? FreePort();
            var output = new StringBuilder();
            var process = new Process
            {
                StartInfo = new ProcessStartInfo(Binary)
                {
                    ArgumentList =
                    {
                        $"--config.file={config}",
                        $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                        $"--web.listen-address=127.0.0.1:{listen}",
                        "--web.console.templates=/nonexistent",
                        "--web.console.libraries=/nonexistent",
                        "--log.level=warn",
                    },
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                },
            };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            var server = new PrometheusServer(process, output, directory, new Uri($"http://127.0.0.1:{listen}/"));
            if (await server.WaitReadyAsync(TimeSpan.FromSeconds(30)))
            {
                return server;
            }

            lastLog = server.Log;
            await server.DisposeAsync();
            if (port is not null || !lastLog.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        throw new InvalidOperationException($"Prometheus did not become ready. Its log:{Environment.NewLine}{lastLog}");
    }

    /// <summary>A port nothing listens on right now (bound to 0, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task<bool> WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri(Url, "-/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
