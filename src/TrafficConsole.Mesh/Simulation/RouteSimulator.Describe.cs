using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Validation;

namespace TrafficConsole.Mesh.Simulation;

/// <summary>How the simulator words what it found: destinations, faults, redirects, mirrors, percentages.</summary>
public static partial class RouteSimulator
{
    private static DestinationShare Share(Destination? destination, double probability, VersionNaming naming)
    {
        string host = destination?.Host ?? string.Empty;
        string? subset = destination?.Subset;
        return new DestinationShare(host, subset, naming.VersionOf(host, subset), probability);
    }

    private static ImmutableArray<string> DescribeFaults(HttpFaultInjection? fault)
    {
        if (fault is null)
        {
            return [];
        }

        ImmutableArray<string>.Builder faults = ImmutableArray.CreateBuilder<string>();
        if (fault.Delay is { } delay)
        {
            string duration = delay.FixedDelay ?? (delay.Extra?.ContainsKey("exponentialDelay") == true ? "an exponential delay (not supported by Istio)" : "(no duration)");
            faults.Add($"delay {duration} for {FaultShare(delay.Percentage, delay.Extra)}");
        }

        if (fault.Abort is { } abort)
        {
            string status = abort.HttpStatus is int code ? "HTTP " + code.ToString(CultureInfo.InvariantCulture)
                : abort.GrpcStatus is { } grpc ? "gRPC status " + grpc
                : abort.Extra?.TryGetValue("http2Error", out JsonElement h2) == true ? "HTTP/2 error " + h2.ToString()
                : "(no status)";
            faults.Add($"abort with {status} for {FaultShare(abort.Percentage, abort.Extra)}");
        }

        return faults.ToImmutable();
    }

    // percentage.value, else the deprecated integer percent, else 0: what Istio hands to Envoy.
    private static string FaultShare(Percent? percentage, IDictionary<string, JsonElement>? extra)
    {
        if (percentage?.Value is double value)
        {
            return $"{Number(value)}% of requests";
        }

        if (extra is not null && extra.TryGetValue("percent", out JsonElement legacy) && legacy.ValueKind == JsonValueKind.Number)
        {
            return $"{Number(legacy.GetDouble())}% of requests";
        }

        return "0% of requests (no percentage is set, so Istio injects it into none)";
    }

    private static string DescribeRedirect(JsonElement redirect)
    {
        int code = Int(redirect, "redirectCode") ?? 301;
        var parts = new List<string>();
        if (Text(redirect, "scheme") is { } scheme)
        {
            parts.Add("scheme " + scheme);
        }

        if (Text(redirect, "authority") is { } authority)
        {
            parts.Add("authority " + authority);
        }

        if (Int(redirect, "port") is int port)
        {
            parts.Add("port " + port.ToString(CultureInfo.InvariantCulture));
        }
        else if (Text(redirect, "derivePort") is { } derive)
        {
            parts.Add("port " + derive);
        }

        if (Text(redirect, "uri") is { } uri)
        {
            parts.Add("uri " + uri);
        }

        string target = parts.Count == 0 ? "the same location" : string.Join(", ", parts);
        return $"{code.ToString(CultureInfo.InvariantCulture)} to {target}";
    }

    private static string DescribeDirectResponse(JsonElement direct)
    {
        string status = Int(direct, "status")?.ToString(CultureInfo.InvariantCulture) ?? "(no status)";
        if (direct.TryGetProperty("body", out JsonElement body) && body.ValueKind == JsonValueKind.Object)
        {
            if (Text(body, "string") is { } text)
            {
                string shown = text.Length > 80 ? text[..80] + "…" : text;
                return $"status {status} with body \"{shown}\"";
            }

            if (body.TryGetProperty("bytes", out _))
            {
                return $"status {status} with a binary body";
            }
        }

        return $"status {status}";
    }

    private static string DescribeMirrors(HttpRouteRule rule)
    {
        if (rule.Extra is null || !rule.Extra.TryGetValue("mirrors", out JsonElement mirrors) || mirrors.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        IEnumerable<string> each = mirrors.EnumerateArray().Select(static m =>
        {
            string target = m.TryGetProperty("destination", out JsonElement d) && d.ValueKind == JsonValueKind.Object
                ? (Text(d, "subset") is { } s ? $"{Text(d, "host")} subset {s}" : Text(d, "host") ?? "(no host)")
                : "(no destination)";
            double percent = m.TryGetProperty("percentage", out JsonElement p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("value", out JsonElement v) && v.ValueKind == JsonValueKind.Number
                ? v.GetDouble()
                : 100;
            return $"{Number(percent)}% to {target}";
        });
        string list = string.Join(", ", each);
        return list.Length == 0 ? string.Empty : $" Copies (mirrors): {list}.";
    }

    /// <summary>Gateway references resolved to <c>namespace/name</c> (bare names are in the VirtualService's namespace); none means <c>mesh</c>.</summary>
    private static string[] GatewaysOf(IReadOnlyList<string>? gateways, string vsNamespace) =>
        gateways is null || gateways.Count == 0 ? [Mesh] : [.. gateways.Select(g => ResourceRules.ResolveGateway(g, vsNamespace))];

    private static bool IsPresenceOnly(StringMatch? match) =>
        match is null
        || (match.Exact is null && match.Prefix is null && match.Regex is null)
        || match.Regex is "*" or ".*"; // Istio turns these into a presence match

    private static bool OnlyNonConditions(HttpMatchRequest match) =>
        match with { Name = null, Extra = match.Extra?.Where(static e => !NonConditions.Contains(e.Key, StringComparer.Ordinal)).ToDictionary() is { Count: > 0 } rest ? rest : null } is { IsEmpty: true };

    private static string NotEvaluated(HttpMatchRequest match) =>
        string.Join(", ", (match.Extra ?? ImmutableDictionary<string, JsonElement>.Empty).Keys.Where(static k => !NonConditions.Contains(k, StringComparer.Ordinal)));

    private static Regex? FullMatch(string pattern)
    {
        if (Regexes.TryGetValue(pattern, out Regex? cached))
        {
            return cached;
        }

        Regex? regex = FieldRules.RegexProblem(pattern) is null
            ? new Regex($@"\A(?:{pattern})\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant)
            : null;
        if (Regexes.Count >= RegexCacheLimit)
        {
            Regexes.Clear();
        }

        Regexes[pattern] = regex;
        return regex;
    }

    private static void Add(List<string> failed, string? failure)
    {
        if (failure is not null)
        {
            failed.Add(failure);
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : null;

    private static string Label(VirtualService vs) => $"{vs.Namespace}/{vs.Name}";

    private static string RuleLabel(HttpRouteRule rule, int index) =>
        rule.Name is { Length: > 0 } name ? $"'{name}' (#{index.ToString(CultureInfo.InvariantCulture)})" : "#" + index.ToString(CultureInfo.InvariantCulture);

    private static string Name(DestinationShare share)
    {
        string host = share.Host.Length == 0 ? "(no host)" : share.Host;
        return share switch
        {
            { Version: { } version, Subset: { } subset } when !string.Equals(version, subset, StringComparison.Ordinal) => $"{host} {version} (subset {subset})",
            { Version: { } version } => $"{host} {version}",
            { Subset: { } subset } => $"{host} subset {subset}",
            _ => host,
        };
    }

    private static string Percent(double probability) => Number(Math.Round(probability * 100, 2)) + "%";

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? string.Empty : "s")}";
}
