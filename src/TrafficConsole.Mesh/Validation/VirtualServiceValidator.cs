using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Validation;

/// <summary>What a VirtualService is checked against: the DestinationRules that can define its subsets.</summary>
public sealed record VirtualServiceValidationContext
{
    /// <summary>DestinationRules of the cluster (or namespace); those whose host matches a destination define its subsets.</summary>
    public ImmutableArray<DestinationRule> DestinationRules { get; init; } = [];

    /// <summary>
    /// When set, only destinations to these hosts (FQDNs) are checked for undefined subsets: the caller knows
    /// the DestinationRules of these hosts only (e.g. a service view).
    /// </summary>
    public ImmutableHashSet<string>? SubsetHosts { get; init; }

    /// <summary>No DestinationRules known: the resource is judged on its own and subsets are not looked up (what the admission webhook sees).</summary>
    public static VirtualServiceValidationContext Standalone { get; } = new() { SubsetHosts = [] };

    /// <summary>A context with these DestinationRules.</summary>
    public static VirtualServiceValidationContext With(IEnumerable<DestinationRule> destinationRules) =>
        new() { DestinationRules = [.. destinationRules] };
}

/// <summary>Checks a VirtualService as found in the cluster (written by anyone) for routing mistakes.</summary>
/// <remarks>Besides the routing checks, every field Istio's webhook and CRD schema judge is checked too (see VirtualServiceValidator.Fields.cs).</remarks>
public static partial class VirtualServiceValidator
{
    /// <summary>All issues of <paramref name="virtualService"/>.</summary>
    public static ImmutableArray<ValidationIssue> Validate(VirtualService virtualService, VirtualServiceValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(virtualService);
        ArgumentNullException.ThrowIfNull(context);
        ImmutableArray<ValidationIssue>.Builder issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        VirtualServiceSpec spec = virtualService.Spec ?? new VirtualServiceSpec();

        if (spec.Hosts is null || spec.Hosts.Count == 0)
        {
            issues.Add(new(ValidationCodes.NoHosts, Severity.Error, "spec.hosts", "The VirtualService names no host, so it applies to nothing."));
        }

        ValidateHostsAndGateways(spec, issues);
        IReadOnlyList<HttpRouteRule> http = spec.Http ?? [];
        int catchAll = IndexOfEffectiveCatchAll(http);
        var earlierMatches = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < http.Count; r++)
        {
            string routePath = $"spec.http[{r}]";
            HttpRouteRule rule = http[r];
            if (catchAll >= 0 && r > catchAll)
            {
                issues.Add(new(ValidationCodes.UnreachableRoute, Severity.Warning, routePath,
                    $"Route {Describe(rule, r)} comes after the catch-all route {Describe(http[catchAll], catchAll)} and never receives traffic."));
            }
            else
            {
                ValidateShadowing(http, r, earlierMatches, issues);
            }

            ValidateRuleFields(rule, routePath, issues);

            IReadOnlyList<HttpRouteDestination> route = rule.Route ?? [];
            ValidateWeights(route, routePath, issues);
            for (int d = 0; d < route.Count; d++)
            {
                ValidateDestination(route[d].Destination, $"{routePath}.route[{d}].destination", virtualService.Namespace, context, issues);
            }

            if (rule.Mirror is not null)
            {
                ValidateDestination(rule.Mirror, $"{routePath}.mirror", virtualService.Namespace, context, issues);
            }

            if (rule.MirrorPercentage?.Value is double percent && (double.IsNaN(percent) || percent is < 0 or > 100))
            {
                issues.Add(new(ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, $"{routePath}.mirrorPercentage.value",
                    $"Mirror percentage {percent.ToString(CultureInfo.InvariantCulture)} is outside 0..100."));
            }

            ValidateLegacyMirrorPercent(rule, routePath, issues);
            ValidateMirrors(rule, routePath, virtualService.Namespace, context, issues);

            if (rule.MirrorPercentage is not null && rule.Extra?.ContainsKey("mirrorPercent") == true)
            {
                issues.Add(new(ValidationCodes.ConflictingMirrorPercent, Severity.Error, $"{routePath}.mirrorPercent",
                    "Both mirrorPercent (deprecated) and mirrorPercentage are set; Istio rejects that. Keep mirrorPercentage."));
            }
        }

        return issues.ToImmutable();
    }

    private static void ValidateWeights(IReadOnlyList<HttpRouteDestination> route, string routePath, ImmutableArray<ValidationIssue>.Builder issues)
    {
        for (int d = 0; d < route.Count; d++)
        {
            if (route[d].Weight is < 0)
            {
                issues.Add(new(ValidationCodes.NegativeWeight, Severity.Error, $"{routePath}.route[{d}].weight",
                    $"Weight {route[d].Weight!.Value.ToString(CultureInfo.InvariantCulture)} is negative; Istio rejects negative weights."));
            }
        }

        if (route.Count == 1)
        {
            if (route[0].Weight is int single and >= 0 and < 100)
            {
                issues.Add(new(ValidationCodes.SingleDestinationWeight, Severity.Warning, $"{routePath}.route[0].weight",
                    $"The only destination has weight {single.ToString(CultureInfo.InvariantCulture)}, but a lone destination receives 100% of the traffic whatever its weight."));
            }

            return;
        }

        if (route.Count > 1)
        {
            // In long: a hand-written VirtualService may carry weights whose sum overflows an int.
            long total = route.Sum(static d => (long)Math.Max(0, d.Weight ?? 0));
            if (total == 0)
            {
                issues.Add(new(ValidationCodes.AllDestinationWeightsZero, Severity.Error, $"{routePath}.route",
                    $"All {route.Count.ToString(CultureInfo.InvariantCulture)} destinations have weight 0 (or none), so the route sends traffic nowhere."));
            }
            else if (total != 100)
            {
                int[] percents = RoutingFacts.EffectivePercents([.. route.Select(static d => d.Weight)]);
                issues.Add(new(ValidationCodes.WeightsNot100, Severity.Info, $"{routePath}.route",
                    $"Weights add up to {total.ToString(CultureInfo.InvariantCulture)}; Istio treats them as relative, so the shares are {string.Join("/", percents)}%."));
            }
        }
    }

    private static void ValidateDestination(Destination? destination, string path, string vsNamespace, VirtualServiceValidationContext context, ImmutableArray<ValidationIssue>.Builder issues)
    {
        if (destination?.Host is not { Length: > 0 } host)
        {
            issues.Add(new(ValidationCodes.MissingDestinationHost, Severity.Error, path + ".host", "The destination names no host."));
            return;
        }

        string? hostProblem = host == "*" ? "A destination cannot be '*'; name the service." : ResourceRules.HostProblem(host);
        if (hostProblem is not null)
        {
            issues.Add(new(ValidationCodes.InvalidHost, Severity.Error, path + ".host", hostProblem));
        }

        if (destination.Port?.Number is int port && ResourceRules.PortProblem(port) is { } portProblem)
        {
            issues.Add(new(ValidationCodes.InvalidPort, Severity.Error, path + ".port.number", portProblem));
        }

        if (destination.Subset is not { } subset)
        {
            return;
        }

        if (!SubsetNames.IsValid(subset))
        {
            issues.Add(new(ValidationCodes.InvalidSubsetName, Severity.Error, path + ".subset",
                $"Subset name '{subset}' is not a DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)."));
        }

        string resolved = HostNames.Resolve(host, vsNamespace);
        if (context.SubsetHosts is { } hosts && !hosts.Contains(resolved))
        {
            return;
        }

        bool defined = context.DestinationRules.Any(dr =>
            dr.Spec?.Host is { } drHost
            && string.Equals(HostNames.Resolve(drHost, dr.Namespace), resolved, StringComparison.Ordinal)
            && dr.Spec.Subsets?.Any(s => string.Equals(s.Name, subset, StringComparison.Ordinal)) == true);
        if (!defined)
        {
            issues.Add(new(ValidationCodes.SubsetNotDefined, Severity.Error, path + ".subset",
                $"No DestinationRule for host {host} defines subset '{subset}'; requests routed there fail with 503 (no healthy upstream)."));
        }
    }

    private static string Describe(HttpRouteRule rule, int index) =>
        rule.Name is { Length: > 0 } name ? $"'{name}'" : $"#{index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Checks a DestinationRule as found in the cluster.</summary>
/// <remarks>Traffic policies are checked as Istio's webhook does (see DestinationRuleValidator.Fields.cs).</remarks>
public static partial class DestinationRuleValidator
{
    /// <summary>All issues of <paramref name="destinationRule"/>; the workloads of the host's service (optional) let it find subsets that select nothing.</summary>
    public static ImmutableArray<ValidationIssue> Validate(DestinationRule destinationRule, IEnumerable<Workload>? workloads = null)
    {
        ArgumentNullException.ThrowIfNull(destinationRule);
        ImmutableArray<ValidationIssue>.Builder issues = ImmutableArray.CreateBuilder<ValidationIssue>();
        DestinationRuleSpec spec = destinationRule.Spec ?? new DestinationRuleSpec();
        if (string.IsNullOrWhiteSpace(spec.Host))
        {
            issues.Add(new(ValidationCodes.MissingHost, Severity.Error, "spec.host", "The DestinationRule names no host."));
        }

        ValidateTrafficPolicy(spec.TrafficPolicy, "spec.trafficPolicy", issues);

        Workload[]? pool = workloads?.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<Subset> subsets = spec.Subsets ?? [];
        for (int i = 0; i < subsets.Count; i++)
        {
            string path = $"spec.subsets[{i.ToString(CultureInfo.InvariantCulture)}]";
            string name = subsets[i].Name ?? string.Empty;
            if (!SubsetNames.IsValid(name))
            {
                issues.Add(new(ValidationCodes.DestinationRuleInvalidSubsetName, Severity.Error, path + ".name", $"Subset name '{name}' is not a DNS-1123 label."));
            }

            if (!seen.Add(name))
            {
                issues.Add(new(ValidationCodes.DuplicateSubsetName, Severity.Error, path + ".name", $"Subset '{name}' is defined twice; Istio keeps only one."));
            }

            ValidateTrafficPolicy(subsets[i].TrafficPolicy, path + ".trafficPolicy", issues);
            IReadOnlyDictionary<string, string> labels = subsets[i].Labels ?? ImmutableDictionary<string, string>.Empty;
            if (pool is not null && !pool.Any(w => RoutingFacts.Selects(labels, w.PodLabels)))
            {
                string selector = string.Join(",", labels.Select(static l => $"{l.Key}={l.Value}"));
                issues.Add(new(ValidationCodes.SubsetSelectsNoWorkload, Severity.Warning, path + ".labels",
                    $"No workload of the service has pods labelled {selector}; traffic to subset '{name}' fails."));
            }
        }

        return issues.ToImmutable();
    }
}
