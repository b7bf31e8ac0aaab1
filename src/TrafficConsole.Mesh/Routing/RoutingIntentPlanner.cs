using System.Collections.Immutable;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Routing.RoutingIntentReader;

namespace TrafficConsole.Mesh.Routing;

/// <summary>Turns a <see cref="RoutingIntent"/> into the desired VirtualService and DestinationRule, merged over whatever exists.</summary>
/// <remarks>
/// Conventions are <see cref="RoutingResources"/>'s: resources named after the service with the managed-by label when created,
/// subsets added (existing ones reused) for every version a rule or policy uses, host spelling and port of existing
/// destinations kept, resourceVersion kept, Unchanged when the result is JSON-equal to what exists. Each part of the intent
/// is written back over its <c>Origin</c>: a part equal to what its origin reads as is written back as the origin itself,
/// an edited part changes only the fields the intent models, so everything else stays in place and order.
/// </remarks>
public static partial class RoutingIntentPlanner
{
    /// <summary>Plans writing <paramref name="intent"/> for the service of <paramref name="view"/>; refused when it does not validate.</summary>
    /// <param name="view">The service as last read (the intent should have been read from it).</param>
    /// <param name="intent">The edited routing.</param>
    /// <param name="istioApiVersion">The apiVersion for resources created new; existing ones keep theirs.</param>
    public static RoutingPlan PlanApply(ServiceView view, RoutingIntent intent, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(intent);
        // A service whose routing an attached HTTPRoute owns is written back to that HTTPRoute.
        return HttpRouteReader.RouteOf(view) is not null && HttpRouteReader.ReadAttached(view) is { Problem: null }
            ? HttpRoutePlanner.Plan(view, intent)
            : Plan(view, intent, istioApiVersion) with { Namespace = view.Namespace, ServiceName = view.Name };
    }

    /// <summary>
    /// Plans the weight sliders' split (or the REST <c>traffic</c> view's) as the default route of the service's intent
    /// (<see cref="RoutingIntent.WithDefaultSplit"/>): refused, naming the slider, when the split is not whole percentages
    /// adding up to 100 over the service's versions, or when the sliders cannot edit this routing
    /// (<see cref="RoutingProjection.SlidersProblem(RoutingIntentReading)"/>); otherwise exactly the plan of that intent.
    /// </summary>
    public static RoutingPlan PlanSplit(ServiceView view, TrafficSplit split, string istioApiVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(split);
        string revision = view.Routing.Revision;
        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        if (RoutingProjection.SlidersProblem(reading) is { } problem)
        {
            return RoutingPlan.Refused(problem, [], revision) with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        ImmutableArray<ValidationIssue> issues = RoutingIntentValidator.ValidateSplit(view, split);
        if (issues.HasErrors())
        {
            return RoutingPlan.Refused("The split is not valid: " + string.Join(" ", issues.Where(static i => i.Severity == Severity.Error).Select(static i => i.Message)), issues, revision)
                with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        if (split.Mirror is not null && view.Routing.OtherMirror is { } other)
        {
            return RoutingPlan.Refused($"The catch-all route already mirrors to {other}; Istio allows one mirror per route, so remove that mirror before mirroring to a version.", issues, revision)
                with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        RoutingPlan plan = PlanApply(view, reading.Intent!.WithDefaultSplit(split), istioApiVersion);

        // The sliders' findings (no ready pods, a mirror that also gets traffic) say it in the sliders' words; the rule
        // editor's findings on the same default route would say it twice.
        ImmutableArray<ValidationIssue> intentIssues = [.. plan.Issues.Where(static i => !i.Path.StartsWith("defaultRoute.destinations", StringComparison.Ordinal) && !i.Path.StartsWith("defaultRoute.mirror", StringComparison.Ordinal))];
        return plan with { Issues = issues.AddRange(intentIssues), Split = split };
    }

    private static RoutingPlan Plan(ServiceView view, RoutingIntent intent, string istioApiVersion)
    {
        string revision = view.Routing.Revision;
        if (!IstioApi.IsNetworkingApiVersion(istioApiVersion))
        {
            return RoutingPlan.Refused($"'{istioApiVersion}' is not an Istio networking API version (expected {IstioApi.V1} or {IstioApi.V1Beta1}).", [], revision);
        }

        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        if (reading.Problem is { } problem)
        {
            return RoutingPlan.Refused(problem, [], revision);
        }

        ImmutableArray<ValidationIssue> issues = RoutingIntentValidator.Validate(view, intent);
        if (issues.HasErrors())
        {
            return RoutingPlan.Refused(
                "The routing is not valid: " + string.Join(" ", issues.Where(static i => i.Severity == Severity.Error).Select(static i => $"{i.Path}: {i.Message}")),
                issues,
                revision);
        }

        VirtualService? currentVs = FindVirtualService(view);
        DestinationRule? currentDr = RoutingResources.FindDestinationRule(view);
        var context = IntentContext.For(view, currentVs);

        IEnumerable<string> needed = intent.AllRules
            .Where(static r => r.ReadOnlyReason is null)
            .SelectMany(static r => r.Destinations.Versions.Concat(r.Destinations.Mirror is null ? [] : [r.Destinations.Mirror.Version]))
            .Concat(intent.VersionPolicies.Keys.Order(StringComparer.Ordinal))
            // Like Kiali, every version of the service gets a subset (weight 0 too): a later slider move then only touches
            // the route, and a rule added by hand (kubectl, GitOps) for a version at 0 finds its subset.
            .Concat(view.Versions.Where(static v => v.IsVersioned).Select(static v => v.Name));
        (Dictionary<string, string> subsetFor, List<Subset> newSubsets) = RoutingResources.AssignSubsets(view, currentDr, needed);

        Destination? template = (currentVs?.Spec?.Http ?? [])
            .SelectMany(static r => r.Route ?? [])
            .Select(static d => d.Destination)
            .FirstOrDefault(d => context.IsOwnHost(d?.Host));
        List<HttpRouteRule> http = [.. intent.AllRules.Select(rule => RouteWriter.Write(rule, context, subsetFor, template))];
        (VirtualService? desiredVs, ResourceAction vsAction) = BuildVirtualService(view, intent, currentVs, http, context, istioApiVersion);
        (DestinationRule? desiredDr, ResourceAction drAction) = BuildDestinationRule(view, intent, currentDr, newSubsets, subsetFor, istioApiVersion);

        // Last line of defence: what is written must not be something Istio's webhook rejects. Only errors the
        // edit introduces count, so a finding already on the resource (ours may be stricter than Istio) never
        // blocks an unrelated change.
        ImmutableArray<ValidationIssue> rejected =
        [
            .. NewWebhookErrors(currentVs, vsAction == ResourceAction.Unchanged ? null : desiredVs),
            .. NewWebhookErrors(currentDr, drAction == ResourceAction.Unchanged ? null : desiredDr),
        ];
        if (!rejected.IsEmpty)
        {
            return RoutingPlan.Refused(
                "Istio would reject the result: " + string.Join(" ", rejected.Select(static i => $"{i.Path}: {i.Message}")),
                issues.AddRange(rejected),
                revision);
        }

        if (vsAction == ResourceAction.Update && RoutingResources.ManagerOf(currentVs!) is { } vsManager)
        {
            issues = issues.Add(RoutingResources.ManagedElsewhere(currentVs!, vsManager));
        }

        if (drAction == ResourceAction.Update && RoutingResources.ManagerOf(currentDr!) is { } drManager)
        {
            issues = issues.Add(RoutingResources.ManagedElsewhere(currentDr!, drManager));
        }

        return new RoutingPlan
        {
            Split = intent.DefaultRoute?.Destinations,
            Issues = issues,
            ExpectedRevision = revision,
            VirtualService = desiredVs,
            VirtualServiceAction = vsAction,
            CurrentVirtualService = currentVs,
            DestinationRule = desiredDr,
            DestinationRuleAction = drAction,
            CurrentDestinationRule = currentDr,
        };
    }

    private static List<ValidationIssue> NewWebhookErrors(object? current, object? desired)
    {
        if (desired is null)
        {
            return [];
        }

        // Findings are matched on code and index-free path, so moving a rule does not make its old finding new.
        Dictionary<(string, string), int> before = [];
        foreach (ValidationIssue issue in current is null ? [] : Analysis.MeshAnalyzer.ValidateResource(current).Where(static i => i.Severity == Severity.Error))
        {
            (string, string) key = (issue.Code, WithoutIndexes(issue.Path));
            before[key] = before.GetValueOrDefault(key) + 1;
        }

        string kind = desired is VirtualService ? VirtualService.KindName : DestinationRule.KindName;
        List<ValidationIssue> introduced = [];
        foreach (ValidationIssue issue in Analysis.MeshAnalyzer.ValidateResource(desired).Where(static i => i.Severity == Severity.Error))
        {
            (string, string) key = (issue.Code, WithoutIndexes(issue.Path));
            if (before.GetValueOrDefault(key) > 0)
            {
                before[key]--;
            }
            else
            {
                introduced.Add(issue with { Path = $"{kind}.{issue.Path}" });
            }
        }

        return introduced;
    }

    private static string WithoutIndexes(string path) => IndexPattern().Replace(path, "[]");

    [System.Text.RegularExpressions.GeneratedRegex(@"\[\d+\]", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IndexPattern();

    private static (VirtualService? Desired, ResourceAction Action) BuildVirtualService(
        ServiceView view, RoutingIntent intent, VirtualService? current, List<HttpRouteRule> http, IntentContext context, string apiVersion)
    {
        if (current is null)
        {
            if (http.Count == 0)
            {
                return (null, ResourceAction.Unchanged);
            }

            var created = new VirtualService
            {
                ApiVersion = apiVersion,
                Metadata = RoutingResources.NewMetadata(view),
                Spec = new VirtualServiceSpec
                {
                    Hosts = [view.Host, .. intent.ExtraHosts],
                    Gateways = GatewaysOf(intent, null, context),
                    Http = http,
                },
            };
            return (created, ResourceAction.Create);
        }

        VirtualService desired = MeshJson.DeepClone(current);
        VirtualServiceSpec spec = desired.Spec ?? new VirtualServiceSpec();
        desired.Spec = spec with
        {
            Hosts = HostsOf(intent, spec.Hosts, view, context),
            Gateways = GatewaysOf(intent, spec, context),
            Http = http.Count == 0 && spec.Http is null ? null : http,
        };
        return (desired, RoutingResources.SameJson(current, desired) ? ResourceAction.Unchanged : ResourceAction.Update);
    }

    /// <summary>Extra hosts in the intent's order; the service's own host entries keep their positions (the FQDN first when there is none).</summary>
    private static IReadOnlyList<string>? HostsOf(RoutingIntent intent, IReadOnlyList<string>? written, ServiceView view, IntentContext context)
    {
        ImmutableArray<string> extra = intent.ExtraHosts.IsDefault ? [] : intent.ExtraHosts;
        if (written is not null && ReadBinding(new VirtualServiceSpec { Hosts = written }, context).ExtraHosts.SequenceEqual(extra, StringComparer.Ordinal))
        {
            return written;
        }

        List<string> hosts = [.. extra.Distinct(StringComparer.Ordinal)];
        (int Index, string Host)[] own = [.. (written ?? []).Select(static (h, i) => (i, h)).Where(p => context.IsOwnHost(p.h))];
        if (own.Length == 0)
        {
            own = [(0, view.Host)];
        }

        foreach ((int index, string host) in own)
        {
            hosts.Insert(Math.Min(index, hosts.Count), host);
        }

        return hosts;
    }

    /// <summary>Gateways in the intent's order, <c>mesh</c> listed when the mesh is included and there are gateways (at its old position if it had one).</summary>
    private static IReadOnlyList<string>? GatewaysOf(RoutingIntent intent, VirtualServiceSpec? spec, IntentContext context)
    {
        ImmutableArray<string> gateways = intent.Gateways.IsDefault ? [] : intent.Gateways;
        IReadOnlyList<string>? written = spec?.Gateways;
        if (spec is not null)
        {
            (_, ImmutableArray<string> readGateways, bool readMesh) = ReadBinding(spec, context);
            if (readMesh == intent.IncludeMesh && readGateways.SequenceEqual(gateways, StringComparer.Ordinal))
            {
                return written;
            }
        }

        if (gateways.IsEmpty)
        {
            // The mesh only: Istio's default when no gateway is listed.
            return intent.IncludeMesh ? null : [];
        }

        List<string> result = [.. gateways.Distinct(StringComparer.Ordinal)];
        if (intent.IncludeMesh)
        {
            int meshAt = written is null ? -1 : written.ToList().IndexOf(MeshGateway);
            result.Insert(meshAt < 0 ? result.Count : Math.Min(meshAt, result.Count), MeshGateway);
        }

        return result;
    }

    private static (DestinationRule? Desired, ResourceAction Action) BuildDestinationRule(
        ServiceView view, RoutingIntent intent, DestinationRule? current, List<Subset> newSubsets, Dictionary<string, string> subsetFor, string apiVersion)
    {
        // A subset's policy belongs to the first subset that selects the version, as the reader reads it.
        Subset WithPolicy(Subset subset, string? version)
        {
            TrafficPolicyIntent? wanted = version is not null && intent.VersionPolicies.TryGetValue(version, out TrafficPolicyIntent? p) ? p : null;
            TrafficPolicy? merged = PolicyWriter.Merge(wanted?.Origin ?? subset.TrafficPolicy, wanted);
            return ReferenceEquals(merged, subset.TrafficPolicy) ? subset : subset with { TrafficPolicy = merged };
        }

        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string version, string subset) in subsetFor)
        {
            owners[subset] = version;
        }

        if (current is null)
        {
            TrafficPolicy? policy = PolicyWriter.Merge(intent.Policy?.Origin, intent.Policy);
            if (newSubsets.Count == 0 && policy is null)
            {
                return (null, ResourceAction.Unchanged);
            }

            var created = new DestinationRule
            {
                ApiVersion = apiVersion,
                Metadata = RoutingResources.NewMetadata(view),
                Spec = new DestinationRuleSpec
                {
                    Host = view.Host,
                    TrafficPolicy = policy,
                    Subsets = newSubsets.Count == 0 ? null : [.. newSubsets.Select(s => WithPolicy(s, owners.GetValueOrDefault(s.Name!)))],
                },
            };
            return (created, ResourceAction.Create);
        }

        DestinationRule desired = MeshJson.DeepClone(current);
        DestinationRuleSpec spec = desired.Spec ?? new DestinationRuleSpec { Host = view.Host };
        var seenVersions = new HashSet<string>(StringComparer.Ordinal);
        var subsets = new List<Subset>();
        foreach (Subset subset in spec.Subsets ?? [])
        {
            string? version = subset.Name is not null && view.Routing.SubsetVersions.TryGetValue(subset.Name, out string? v) && seenVersions.Add(v) ? v : null;
            subsets.Add(version is null ? subset : WithPolicy(subset, version));
        }

        subsets.AddRange(newSubsets.Select(s => WithPolicy(s, owners.GetValueOrDefault(s.Name!))));
        desired.Spec = spec with
        {
            TrafficPolicy = PolicyWriter.Merge(intent.Policy?.Origin ?? spec.TrafficPolicy, intent.Policy),
            Subsets = spec.Subsets is null && subsets.Count == 0 ? null : subsets,
        };
        return (desired, RoutingResources.SameJson(current, desired) ? ResourceAction.Unchanged : ResourceAction.Update);
    }
}
