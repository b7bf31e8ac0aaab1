using System.Globalization;
using TrafficConsole.Sandbox;
using TrafficConsole.Sandbox.Traffic;

// Standalone entry point: a sandbox cluster for kubectl and the dashboard, with no pods and no proxies.
const string usage = """
    TrafficConsole sandbox cluster: a Kubernetes-API-compatible server for demos and tests.
    It serves namespaces, services, deployments (with synthetic pods), Istio and Gateway API
    routing resources, and watches. It runs no pods and no proxies: simulated clients send
    traffic routed by Istio's rules, counted as Istio's proxies count it (GET /stats/prometheus),
    and an istiod stand-in marks routing changes as pushed to the proxies.

    usage: TrafficConsole.Sandbox [--port 6443] [--data <dir>] [--seed bookinfo|none] [--bind 127.0.0.1]
                                  [--https] [--token-file <csv>] [--anonymous cluster-admin|rbac|refused]
                                  [--traffic off|<rps>] [--proxy-sync-delay 300ms|off]

      --port <n>     TCP port (default 6443; 0 picks a free one)
      --data <dir>   keep state, the admin token and a kubeconfig there (default: in memory)
      --seed <s>     what a first start creates: bookinfo (default) or none
      --bind <ip>    address to listen on (default 127.0.0.1)
      --https        serve HTTPS with a self-signed certificate (in the kubeconfig); kubectl
                     sends tokens and impersonation headers only over HTTPS
      --token-file <csv>
                     static tokens in kube-apiserver's --token-auth-file format:
                     token,user,uid,"group1,group2"
      --anonymous <a>
                     requests without a token: cluster-admin (default: kubectl and helm
                     over plain HTTP send none), rbac (as system:anonymous) or refused (401)
      --traffic <t>  requests per second to each service in namespaces labelled for injection
                     (default 5; decimals with a dot), or off: no traffic, no /stats/prometheus
      --proxy-sync-delay <d>
                     how long after a VirtualService or DestinationRule changes its status says
                     Reconciled (default 300ms; 0s at once), or off: no status, as without istiod
      --help         show this text
    """;

var options = new SandboxOptions { Port = 6443, ProxySyncDelay = TrafficSettings.DefaultProxySyncDelay };
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--help" or "-h":
            Console.WriteLine(usage);
            return 0;
        case "--port":
            var portText = Next();
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                Console.Error.WriteLine($"--port: '{portText}' is not a port number");
                return 2;
            }

            options.Port = port;
            break;
        case "--data":
            options.DataDirectory = Next();
            break;
        case "--seed":
            var seed = Next();
            if (seed is not ("bookinfo" or "none"))
            {
                Console.Error.WriteLine($"--seed: '{seed}' is not one of bookinfo, none");
                return 2;
            }

            options.Seed = seed == "none" ? SandboxSeed.None : SandboxSeed.Bookinfo;
            break;
        case "--bind":
            options.BindAddress = Next();
            break;
        case "--https":
            options.Https = true;
            break;
        case "--token-file":
            options.TokenFile = Next();
            break;
        case "--anonymous":
            var anonymous = Next();
            if (anonymous is not ("cluster-admin" or "rbac" or "refused"))
            {
                Console.Error.WriteLine($"--anonymous: '{anonymous}' is not one of cluster-admin, rbac, refused");
                return 2;
            }

            options.Anonymous = anonymous switch
            {
                "rbac" => TrafficConsole.Sandbox.Auth.AnonymousAccess.Rbac,
                "refused" => TrafficConsole.Sandbox.Auth.AnonymousAccess.Refused,
                _ => TrafficConsole.Sandbox.Auth.AnonymousAccess.ClusterAdmin,
            };
            break;
        case "--traffic":
            if (!TrafficSettings.TryParseRequestsPerSecond(Next(), out var requestsPerSecond, out var trafficProblem))
            {
                Console.Error.WriteLine($"--traffic: {trafficProblem}");
                return 2;
            }

            options.TrafficRequestsPerSecond = requestsPerSecond;
            break;
        case "--proxy-sync-delay":
            if (!TrafficSettings.TryParseProxySyncDelay(Next(), out var syncDelay, out var delayProblem))
            {
                Console.Error.WriteLine($"--proxy-sync-delay: {delayProblem}");
                return 2;
            }

            options.ProxySyncDelay = syncDelay;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'\n\n{usage}");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// SIGTERM (kill, docker stop, systemd) stops as cleanly as Ctrl+C instead of waiting forever.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

SandboxServer server;
try
{
    server = await SandboxServer.StartAsync(options, stop.Token);
}
catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
{
    // A port in use or a state file that cannot be read: say so plainly, change nothing.
    Console.Error.WriteLine($"The sandbox could not start: {ex.Message}");
    return 1;
}

await using var running = server;
var kubeconfig = server.KubeconfigPath ?? server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"trafficconsole-sandbox-{server.Url.Port}.kubeconfig"));
Console.WriteLine($"Sandbox cluster listening on {server.Url}");
if (!System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(options.BindAddress)))
{
    Console.WriteLine(options.Anonymous == TrafficConsole.Sandbox.Auth.AnonymousAccess.ClusterAdmin
        ? $"warning: bound to {options.BindAddress} with --anonymous cluster-admin: anyone who can reach this address can change the sandbox"
        : $"warning: bound to {options.BindAddress}: anyone who can reach this address and holds a token can use it");
}

Console.WriteLine($"kubeconfig: {kubeconfig}");
Console.WriteLine(server.Traffic is { } traffic
    ? $"traffic: {traffic.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} requests/s per service; Istio's metrics at {server.Url}stats/prometheus"
    : "traffic: off");
Console.WriteLine($"proxy sync status: {TrafficSettings.Format(options.ProxySyncDelay)}");
Console.WriteLine($"try: kubectl --kubeconfig {kubeconfig} get ns");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C: stop cleanly.
}

return 0;
