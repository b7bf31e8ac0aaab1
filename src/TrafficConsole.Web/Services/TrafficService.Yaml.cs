using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

namespace TrafficConsole.Web.Services;

/// <summary>
/// YAML mode: the operator's VirtualService/DestinationRule text, parsed, validated on its own and as the rule
/// editor would read it, and planned as a write of exactly that text over the service's resources.
/// </summary>
internal sealed partial class TrafficService
{
    private const string YamlInvalidCode = YamlModeCodes.Invalid;
    private const string YamlConflictCode = YamlModeCodes.Conflict;
    private const string YamlTargetCode = YamlModeCodes.WrongTarget;

    /// <summary>The typed resources (null when that text is empty: the resource is left as it is), with every finding.</summary>
    /// <remarks>The service's current resources are kept with the reading, so planning and the traffic check do not look them up again.</remarks>
    private sealed record YamlReading(
        VirtualService? VirtualService,
        DestinationRule? DestinationRule,
        ImmutableArray<ValidationIssue> Issues,
        VirtualService? CurrentVirtualService,
        DestinationRule? CurrentDestinationRule)
    {
        public ImmutableArray<Model.ValidationMessage> Messages => [.. Issues.Select(ToMessage)];
    }

    private static YamlReading ReadYaml(ServiceView view, Model.YamlDraft draft)
    {
        RoutingIntentReading current = RoutingIntentReader.Read(view);
        VirtualService? currentVs = FindVirtualService(view, current);
        DestinationRule? currentDr = FindDestinationRule(view, current);
        var issues = ImmutableArray.CreateBuilder<ValidationIssue>();

        VirtualService? vs = Parse<VirtualService, VirtualServiceSpec>(draft.VirtualServiceYaml, VirtualService.KindName, YamlVirtualServicePath, view, currentVs, issues);
        DestinationRule? dr = Parse<DestinationRule, DestinationRuleSpec>(draft.DestinationRuleYaml, DestinationRule.KindName, YamlDestinationRulePath, view, currentDr, issues);
        if (issues.Any(static i => i.Severity == Severity.Error))
        {
            return new YamlReading(vs, dr, issues.ToImmutable(), currentVs, currentDr);
        }

        // Each resource on its own as Istio's webhook judges it, then with the console's checks of what it finds in the
        // cluster (subsets the DestinationRule defines, subsets without workloads).
        DestinationRule? effectiveDr = dr ?? currentDr;
        if (vs is not null)
        {
            VirtualServiceValidationContext context = VirtualServiceValidationContext.With(effectiveDr is null ? [] : [effectiveDr]);
            AddDistinct(issues, MeshAnalyzer.ValidateResource(vs).Concat(VirtualServiceValidator.Validate(vs, context)), YamlVirtualServicePath);
        }

        if (dr is not null)
        {
            AddDistinct(issues, MeshAnalyzer.ValidateResource(dr).Concat(DestinationRuleValidator.Validate(dr, view.Versions.SelectMany(static v => v.Workloads))), YamlDestinationRulePath);
        }

        // And as the rule editor would read it: the same draft rules (TC4xxx) the form is held to.
        ServiceView typed = view with
        {
            VirtualServices = Replace(view.VirtualServices, currentVs, vs),
            DestinationRules = Replace(view.DestinationRules, currentDr, dr),
        };
        RoutingIntentReading reading = RoutingIntentReader.Read(typed);
        if (reading.Intent is { } intent)
        {
            foreach (ValidationIssue issue in RoutingIntentValidator.Validate(typed, intent))
            {
                if (!issues.Any(i => i.Code == issue.Code && i.Message == issue.Message))
                {
                    issues.Add(issue with { Path = $"{(issue.Path.StartsWith("policy", StringComparison.Ordinal) || issue.Path.StartsWith("version", StringComparison.Ordinal) ? YamlDestinationRulePath : YamlVirtualServicePath)} ({issue.Path})" });
                }
            }
        }

        return new YamlReading(vs, dr, issues.ToImmutable(), currentVs, currentDr);
    }

    private static void AddDistinct(ImmutableArray<ValidationIssue>.Builder issues, IEnumerable<ValidationIssue> found, string prefix)
    {
        foreach (ValidationIssue issue in found)
        {
            ValidationIssue placed = issue with { Path = string.IsNullOrEmpty(issue.Path) ? prefix : $"{prefix}.{issue.Path}" };
            if (!issues.Any(i => i.Code == placed.Code && i.Path == placed.Path))
            {
                issues.Add(placed);
            }
        }
    }

    private static T? Parse<T, TSpec>(string text, string kind, string path, ServiceView view, T? current, ImmutableArray<ValidationIssue>.Builder issues)
        where T : IstioResource<TSpec>
        where TSpec : class
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        YamlParseResult<T> parsed = ResourceYaml.TryDeserialize<T>(text);
        if (!parsed.Succeeded || parsed.Value is not { } resource)
        {
            issues.Add(new(YamlInvalidCode, Severity.Error, path, $"The {kind} is not valid YAML: {parsed.Error}"));
            return null;
        }

        // As strict as kubectl apply: a field the CRD does not declare (a typo such as "wieght") is refused, not dropped.
        foreach (ValidationIssue unknown in CrdFields.UnknownFields(ResourceYaml.ToJson(text), kind))
        {
            issues.Add(unknown with { Path = $"{path}.{unknown.Path}" });
        }

        if (!string.Equals(resource.Kind, kind, StringComparison.Ordinal))
        {
            issues.Add(new(YamlInvalidCode, Severity.Error, path + ".kind", $"kind is '{resource.Kind}'; this box takes a {kind}."));
            return null;
        }

        if (!IstioApi.IsNetworkingApiVersion(resource.ApiVersion))
        {
            issues.Add(new(YamlInvalidCode, Severity.Error, path + ".apiVersion", $"apiVersion '{resource.ApiVersion}' is not an Istio networking version ({IstioApi.V1} or {IstioApi.V1Beta1})."));
        }

        if (string.IsNullOrEmpty(resource.Metadata.Name))
        {
            issues.Add(new(YamlInvalidCode, Severity.Error, path + ".metadata.name", "metadata.name is required."));
        }
        else if (current is not null && !string.Equals(resource.Metadata.Name, current.Metadata.Name, StringComparison.Ordinal))
        {
            issues.Add(new(YamlTargetCode, Severity.Error, path + ".metadata.name",
                $"This service's {kind} is '{current.Metadata.Name}'; a new name would create a second {kind} beside it. Rename with kubectl."));
        }

        if (resource.Metadata.NamespaceProperty is { Length: > 0 } ns && !string.Equals(ns, view.Namespace, StringComparison.Ordinal))
        {
            issues.Add(new(YamlTargetCode, Severity.Error, path + ".metadata.namespace", $"metadata.namespace is '{ns}'; this service lives in '{view.Namespace}'."));
        }

        resource.Metadata.NamespaceProperty = view.Namespace;
        string? typedVersion = resource.Metadata.ResourceVersion;
        // A version the cluster moved only with status writes (Istio's Reconciled) says the same: no conflict.
        if (typedVersion is { Length: > 0 } && !string.Equals(typedVersion, current?.Metadata.ResourceVersion, StringComparison.Ordinal)
            && (current is null || !string.Equals(typedVersion, ResourceContent.RevisionOf(current), StringComparison.Ordinal)))
        {
            issues.Add(new(YamlConflictCode, Severity.Error, path + ".metadata.resourceVersion", current is null
                ? $"The YAML is based on resourceVersion {typedVersion}, but the {kind} no longer exists; someone deleted it. Reload from the cluster."
                : $"The YAML is based on resourceVersion {typedVersion}; the cluster now has {current.Metadata.ResourceVersion}: someone changed the {kind} since. Reload from the cluster."));
        }

        // Writes carry the resourceVersion the cluster has now; the revision check makes sure the operator saw it.
        resource.Metadata.ResourceVersion = current?.Metadata.ResourceVersion;
        return resource;
    }

    /// <summary>
    /// Adds to a YAML preview the split before and after, and what the text does to traffic that the operator may not
    /// have meant: a version that loses all its traffic, weights that do not add up to 100 (Istio takes them as shares).
    /// </summary>
    private static Model.RoutingPreview WithTrafficChange(Model.RoutingPreview preview, ServiceView view, YamlReading reading)
    {
        if (reading.Issues.Any(static i => i.Severity == Severity.Error))
        {
            return preview;
        }

        ImmutableArray<VirtualService> virtualServices = Replace(view.VirtualServices, reading.CurrentVirtualService, reading.VirtualService);
        ImmutableArray<DestinationRule> destinationRules = Replace(view.DestinationRules, reading.CurrentDestinationRule, reading.DestinationRule);
        RoutingState after = ServiceViewBuilder.WithResources(view, virtualServices, destinationRules).Routing;
        TrafficSplit before = view.Routing.EffectiveSplit;

        var warnings = ImmutableArray.CreateBuilder<string>();
        foreach (VersionWeight was in before.Weights.Where(static w => w.Weight > 0))
        {
            if (after.EffectiveSplit.WeightOf(was.Version) == 0)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{was.Version} loses all its traffic ({was.Weight}% → 0%)."));
            }
        }

        foreach (ValidationIssue relative in reading.Issues.Where(static i => i.Code == ValidationCodes.WeightsNot100))
        {
            // "yaml.virtualService.spec.http[0].route" -> "Route 1": the operator's words, not the finding's path.
            Match route = HttpRouteIndex().Match(relative.Path);
            string where = route.Success ? $"Route {int.Parse(route.Groups[1].Value, CultureInfo.InvariantCulture) + 1}" : "A route";
            warnings.Add($"{where}: {char.ToLowerInvariant(relative.Message[0])}{relative.Message[1..]}");
        }

        return preview with
        {
            WeightsBefore = ToShares(before),
            WeightsAfter = ToShares(after.EffectiveSplit),
            TrafficWarnings = warnings.ToImmutable(),
        };
    }

    [GeneratedRegex(@"\.http\[(\d+)\]")]
    private static partial Regex HttpRouteIndex();

    private static RoutingPlan PlanYaml(ServiceView view, YamlReading reading)
    {
        string revision = view.Routing.Revision;
        ImmutableArray<ValidationIssue> errors = [.. reading.Issues.Where(static i => i.Severity == Severity.Error)];
        if (!errors.IsEmpty)
        {
            ValidationIssue? conflict = errors.FirstOrDefault(static i => i.Code == YamlConflictCode);
            return RoutingPlan.Refused(conflict?.Message ?? "The YAML is not valid: " + string.Join(" ", errors.Select(static e => $"{e.Path}: {e.Message}")), reading.Issues, revision)
                with { Namespace = view.Namespace, ServiceName = view.Name };
        }

        VirtualService? currentVs = reading.CurrentVirtualService;
        DestinationRule? currentDr = reading.CurrentDestinationRule;
        return new RoutingPlan
        {
            Namespace = view.Namespace,
            ServiceName = view.Name,
            ExpectedRevision = revision,
            Issues = reading.Issues,
            VirtualService = reading.VirtualService ?? currentVs,
            VirtualServiceAction = ActionFor(reading.VirtualService, currentVs),
            CurrentVirtualService = currentVs,
            DestinationRule = reading.DestinationRule ?? currentDr,
            DestinationRuleAction = ActionFor(reading.DestinationRule, currentDr),
            CurrentDestinationRule = currentDr,
        };
    }

    private static ResourceAction ActionFor<T>(T? desired, T? current)
        where T : class
    {
        if (desired is null)
        {
            return ResourceAction.Unchanged;
        }

        if (current is null)
        {
            return ResourceAction.Create;
        }

        // What the operator saw is the YAML without managed fields and status; compare on that.
        JsonNode? want = Comparable(desired);
        JsonNode? have = Comparable(current);
        return JsonNode.DeepEquals(want, have) ? ResourceAction.Unchanged : ResourceAction.Update;
    }

    private static JsonNode? Comparable<T>(T resource)
    {
        JsonNode? node = JsonSerializer.SerializeToNode(resource, MeshJson.Options);
        if (node?["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
        }

        (node as JsonObject)?.Remove("status");
        return node;
    }

    private static ImmutableArray<T> Replace<T>(ImmutableArray<T> resources, T? current, T? typed)
        where T : class =>
        typed is null ? resources
        : current is null ? resources.Add(typed)
        : resources.Replace(current, typed);
}
