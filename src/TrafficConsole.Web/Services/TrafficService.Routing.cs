using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Cluster.History;
using TrafficConsole.Cluster.Writing;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Simulation;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;
using TrafficConsole.Web.Model;

using MeshRevisionAction = TrafficConsole.Mesh.History.RevisionAction;

namespace TrafficConsole.Web.Services;

/// <summary>
/// The request-routing part of the service layer: the rule editor's intent (read, validate, preview, apply),
/// the route simulator, and YAML mode. Every write takes the same path as the sliders' Apply: revision check,
/// plan, writer, outcome, metrics and the audit log.
/// </summary>
internal sealed partial class TrafficService
{
    private const string YamlVirtualServicePath = YamlModeCodes.VirtualServicePath;
    private const string YamlDestinationRulePath = YamlModeCodes.DestinationRulePath;

    public ServiceRouting? GetRouting(string namespaceName, string service)
    {
        ArgumentNullException.ThrowIfNull(namespaceName);
        ArgumentNullException.ThrowIfNull(service);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return null;
        }

        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        VirtualService? vs = FindVirtualService(view, reading);
        DestinationRule? dr = FindDestinationRule(view, reading);
        return new ServiceRouting(
            reading.Intent ?? new RoutingIntent(),
            reading.Revision,
            reading.Problem,
            [.. snapshot.Gateways.Select(static g => GatewayNames.Format(g.Namespace, g.Name))],
            GatewaysKnown(snapshot),
            vs is null ? null : ResourceYaml.Serialize(vs),
            dr is null ? null : ResourceYaml.Serialize(dr));
    }

    public ImmutableArray<ValidationMessage> ValidateRouting(string namespaceName, string service, RoutingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return [NotFoundMessage(namespaceName, service)];
        }

        ImmutableArray<ValidationMessage> messages = [.. RoutingIntentValidator.Validate(view, intent).Select(ToMessage)];
        return messages.AddRange(MissingGateways(snapshot, view, intent).Select(ToMessage));
    }

    // The cache watches Gateways whenever Istio is served; then a typed gateway that is not there is an error at its field.
    private static bool GatewaysKnown(MeshSnapshot snapshot) => snapshot.Apis.IstioApiVersion is not null && snapshot.IsSynced;

    private static IEnumerable<ValidationIssue> MissingGateways(MeshSnapshot snapshot, ServiceView view, RoutingIntent intent)
    {
        if (!GatewaysKnown(snapshot))
        {
            yield break;
        }

        for (int i = 0; i < intent.Gateways.Length; i++)
        {
            if (GatewayNames.Resolve(intent.Gateways[i], view.Namespace) is { } gateway && snapshot.FindGateway(gateway.Namespace, gateway.Name) is null)
            {
                yield return new ValidationIssue(ValidationCodes.UnknownGateway, Severity.Error, $"gateways[{i.ToString(CultureInfo.InvariantCulture)}]",
                    $"The cluster has no Gateway {gateway.Namespace}/{gateway.Name}; requests through it would never reach this routing.");
            }
        }
    }

    public RoutingPreview PreviewRouting(string namespaceName, string service, RoutingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        MeshSnapshot snapshot = Cache.Current;
        return snapshot.GetServiceView(namespaceName, service) is { } view
            ? ToPreview(PlanIntent(view, snapshot, intent))
            : NotFoundPreview(namespaceName, service);
    }

    public async Task<ChangeOutcome> ApplyRoutingAsync(string namespaceName, string service, RoutingIntent intent, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ChangeOutcome outcome = await WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, snapshot) => PlanIntent(view, snapshot, intent),
            DescribeIntent(intent),
            cancellationToken).ConfigureAwait(false);
        metrics.CountChange("apply", outcome);
        return outcome;
    }

    // The planner checks the draft on its own; the gateways it names must also exist in the cluster.
    private static RoutingPlan PlanIntent(ServiceView view, MeshSnapshot snapshot, RoutingIntent intent)
    {
        RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, intent, IstioApiVersion(snapshot));
        ImmutableArray<ValidationIssue> missing = [.. MissingGateways(snapshot, view, intent)];
        return plan.IsRefused || missing.IsEmpty
            ? plan
            : RoutingPlan.Refused(missing[0].Message, plan.Issues.AddRange(missing), view.Routing.Revision) with { Namespace = view.Namespace, ServiceName = view.Name };
    }

    public RouteSimulation Simulate(string namespaceName, string service, RoutingIntent? draft, SimulatedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return new RouteSimulation(null, [NotFoundMessage(namespaceName, service)]);
        }

        RoutingIntentReading reading = RoutingIntentReader.Read(view);
        VirtualService? vs;
        DestinationRule? dr;
        if (draft is null)
        {
            vs = FindVirtualService(view, reading);
            dr = FindDestinationRule(view, reading);
        }
        else
        {
            RoutingPlan plan = RoutingIntentPlanner.PlanApply(view, draft, IstioApiVersion(snapshot));
            if (plan.IsRefused)
            {
                return new RouteSimulation(null, RefusalMessages(plan));
            }

            vs = plan.VirtualService ?? plan.CurrentVirtualService;
            dr = plan.DestinationRule ?? plan.CurrentDestinationRule;
        }

        if (vs is null)
        {
            return new RouteSimulation(null,
            [
                new ValidationMessage(RefusedCode, MessageSeverity.Info, string.Empty,
                    $"{view.Name} has no VirtualService: Kubernetes spreads requests over all ready pods, whatever the request."),
            ]);
        }

        SimulatedRequest routed = request.Authority is null ? request with { Authority = view.Host } : request;
        return new RouteSimulation(RouteSimulator.Simulate(vs, routed, RouteSimulator.SubsetVersions(dr)), []);
    }

    public ImmutableArray<ValidationMessage> ValidateYaml(string namespaceName, string service, YamlDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return Cache.Current.GetServiceView(namespaceName, service) is { } view
            ? ReadYaml(view, draft).Messages
            : [NotFoundMessage(namespaceName, service)];
    }

    public RoutingPreview PreviewYaml(string namespaceName, string service, YamlDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (Cache.Current.GetServiceView(namespaceName, service) is not { } view)
        {
            return NotFoundPreview(namespaceName, service);
        }

        YamlReading reading = ReadYaml(view, draft);
        return WithTrafficChange(ToPreview(PlanYaml(view, reading)), view, reading);
    }

    public async Task<ChangeOutcome> ApplyYamlAsync(string namespaceName, string service, YamlDraft draft, string? expectedRevision, ChangeContext change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ChangeOutcome outcome = await WritePlanAsync(
            namespaceName, service, expectedRevision, change,
            (view, _) => PlanYaml(view, ReadYaml(view, draft)),
            "YAML",
            cancellationToken).ConfigureAwait(false);
        metrics.CountChange("apply", outcome);
        return outcome;
    }

    // The rule editor's and YAML mode's audit event: the routing before, as the editor shows it, and after.
    private Task<ChangeOutcome> WritePlanAsync(
        string namespaceName,
        string service,
        string? expectedRevision,
        ChangeContext change,
        Func<ServiceView, MeshSnapshot, RoutingPlan> planner,
        string after,
        CancellationToken cancellationToken) =>
        WritePlanAsync(namespaceName, service, expectedRevision, change, planner, (view, applied) =>
        {
            string before = RoutingIntentReader.Read(view).Intent is { } intent ? DescribeIntent(intent) : Describe(view.Routing);
            LogRoutingChanged(change.Actor, namespaceName, service, before, after, view.Routing.Revision, applied.Revision);
        }, cancellationToken);

    /// <summary>
    /// The one write path of the sliders, the rule editor and YAML mode: the revision check, the plan (made by the
    /// caller), refusal, the write and its outcome; <paramref name="logApplied"/> records the change as its caller names it.
    /// </summary>
    private async Task<ChangeOutcome> WritePlanAsync(
        string namespaceName,
        string service,
        string? expectedRevision,
        ChangeContext change,
        Func<ServiceView, MeshSnapshot, RoutingPlan> planner,
        Action<ServiceView, ChangeOutcome.Applied> logApplied,
        CancellationToken cancellationToken,
        MeshRevisionAction action = MeshRevisionAction.Apply)
    {
        ArgumentNullException.ThrowIfNull(change);
        string actor = change.Actor;
        ArgumentException.ThrowIfNullOrEmpty(actor);
        if (ReasonTooLong(change) is { } tooLong)
        {
            return tooLong;
        }

        MeshSnapshot snapshot = Cache.Current;
        if (snapshot.GetServiceView(namespaceName, service) is not { } view)
        {
            return new ChangeOutcome.NotFound(NotFoundMessage(namespaceName, service).Message);
        }

        if (Stale(view, expectedRevision) is { } conflict)
        {
            LogRefused(actor, namespaceName, service, "conflict", conflict.Message);
            return conflict;
        }

        RoutingPlan plan = planner(view, snapshot);
        if (plan.IsRefused)
        {
            if (plan.Issues.Any(static i => i.Code == YamlConflictCode))
            {
                string message = plan.RefusalReason ?? "The YAML is based on an older resourceVersion.";
                LogRefused(actor, namespaceName, service, "conflict", message);
                return new ChangeOutcome.Conflict(ToDetail(view), message);
            }

            LogRefused(actor, namespaceName, service, "invalid", plan.RefusalReason ?? "refused");
            return new ChangeOutcome.Invalid(RefusalMessages(plan));
        }

        if (!plan.HasChanges)
        {
            // Already as asked: nothing to write, and nothing to log as a change.
            return AppliedAs(view);
        }

        if (await NotAnsweringAsync(change, namespaceName, service, cancellationToken).ConfigureAwait(false) is { } down)
        {
            return down;
        }

        if (await DeniedAsync(change, namespaceName, service, AccessFor(plan), cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        // Cluster's one write flow: written as the user, shown by the cache, recorded in the history.
        WriteResult result = await changes.ApplyAsync(view, plan, new RevisionChange(actor, action, change.Reason), change.As, cancellationToken).ConfigureAwait(false);
        ChangeOutcome outcome = WithProxySync(namespaceName, service, result, ToOutcome(result, namespaceName, service));
        if (outcome is ChangeOutcome.Applied applied)
        {
            logApplied(view, applied);
        }
        else
        {
            LogRefused(actor, namespaceName, service, outcome.GetType().Name, result.Describe());
        }

        return outcome;
    }

    private static ChangeOutcome.Invalid? ReasonTooLong(ChangeContext change) =>
        change.Reason is { Length: > ChangeContext.MaxReasonLength } reason
            ? new ChangeOutcome.Invalid([new ValidationMessage(ReasonTooLongCode, MessageSeverity.Error, "reason",
                $"The reason is {reason.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {ChangeContext.MaxReasonLength.ToString(CultureInfo.InvariantCulture)} are kept. Nothing was written.")])
            : null;

    private static RoutingPreview ToPreview(RoutingPlan plan)
    {
        if (plan.IsRefused)
        {
            return new RoutingPreview(string.Empty, string.Empty, [], [], RefusalMessages(plan), CanApply: false);
        }

        string currentVs = plan.CurrentVirtualService is { } cvs ? ResourceYaml.Serialize(cvs) : string.Empty;
        string currentDr = plan.CurrentDestinationRule is { } cdr ? ResourceYaml.Serialize(cdr) : string.Empty;
        string desiredVs = plan.VirtualService is { } vs ? ResourceYaml.Serialize(vs) : currentVs;
        string desiredDr = plan.DestinationRule is { } dr ? ResourceYaml.Serialize(dr) : currentDr;
        string currentRoute = plan.CurrentHttpRoute is { } chr ? ResourceYaml.Serialize(chr) : string.Empty;
        string desiredRoute = plan.HttpRoute is { } hr ? ResourceYaml.Serialize(hr) : currentRoute;
        return new RoutingPreview(
            desiredVs,
            desiredDr,
            ToDiff(TextDiff.Unified(currentVs, desiredVs)),
            ToDiff(TextDiff.Unified(currentDr, desiredDr)),
            [.. plan.Issues.Select(ToMessage)],
            CanApply: plan.HasChanges)
        {
            HttpRouteYaml = desiredRoute,
            HttpRouteDiff = desiredRoute.Length == 0 ? [] : ToDiff(TextDiff.Unified(currentRoute, desiredRoute)),
        };
    }

    private static RoutingPreview NotFoundPreview(string namespaceName, string service) =>
        new(string.Empty, string.Empty, [], [], [NotFoundMessage(namespaceName, service)], CanApply: false);

    private static VirtualService? FindVirtualService(ServiceView view, RoutingIntentReading reading) =>
        reading.VirtualServiceName is { } name
            ? view.VirtualServices.FirstOrDefault(v => string.Equals($"{v.Namespace}/{v.Name}", name, StringComparison.Ordinal))
            : RoutingVirtualService(view);

    private static DestinationRule? FindDestinationRule(ServiceView view, RoutingIntentReading reading) =>
        reading.DestinationRuleName is { } name
            ? view.DestinationRules.FirstOrDefault(d => string.Equals($"{d.Namespace}/{d.Name}", name, StringComparison.Ordinal))
            : view.DestinationRules.FirstOrDefault();

    private static string DescribeIntent(RoutingIntent intent)
    {
        string rules = string.Join("; ", intent.Rules.Select(static (r, i) =>
            $"{r.Name ?? (i + 1).ToString(CultureInfo.InvariantCulture)}: {r.Destinations}"));
        string fallback = intent.DefaultRoute is { } d ? $"default {d.Destinations}" : "no default (404)";
        return rules.Length == 0 ? fallback : $"{rules}; {fallback}";
    }

    // "@Namespace": see LogTrafficChanged.
    [LoggerMessage(EventId = 103, Level = LogLevel.Information,
        Message = "{Actor} changed request routing of {Namespace}/{Service}: {RoutingBefore} -> {RoutingAfter} (revision {RevisionBefore} -> {Revision})")]
    private partial void LogRoutingChanged(string actor, string @Namespace, string service, string routingBefore, string routingAfter, string revisionBefore, string revision);
}
