using TrafficConsole.Benchmarks;

// Measures TrafficConsole's speed targets over real HTTP on loopback and prints one line each.
// Usage: dotnet run -c Release --project tests/TrafficConsole.Benchmarks [-- sandbox|console|rollouts|telemetry|all]
var suite = args.FirstOrDefault() ?? "all";
var results = new List<Result>();
if (suite is "sandbox" or "all")
{
    Console.Error.WriteLine("sandbox benchmarks...");
    results.AddRange(await SandboxBenchmark.RunAsync(virtualServiceCount: 5000, watcherCount: 100, writeCount: 200));
}

if (suite is "console" or "all")
{
    Console.Error.WriteLine("console benchmarks...");
    results.AddRange(await ConsoleBenchmark.RunAsync(hubClients: 50, bigServices: 2000, viewers: 50));
}

if (suite is "rollouts" or "all")
{
    Console.Error.WriteLine("rollout benchmarks...");
    results.AddRange(await RolloutBenchmark.RunAsync(namespaces: 50, rollbacks: 20));
}

if (suite is "telemetry" or "all")
{
    Console.Error.WriteLine("telemetry benchmarks...");
    results.AddRange(await TelemetryBenchmark.RunAsync(viewers: 50, applies: 20, refreshInterval: TimeSpan.FromSeconds(5), rounds: 4, proxySyncDelay: TimeSpan.FromMilliseconds(300)));
}

Console.WriteLine();
Console.WriteLine($"{"benchmark",-95} {"result",-45} {"target",-14} met");
foreach (var result in results)
{
    Console.WriteLine($"{result.Name,-95} {result.Value,-45} {result.Target,-14} {(result.Met ? "yes" : "NO")}");
}

return results.All(r => r.Met) ? 0 : 1;
