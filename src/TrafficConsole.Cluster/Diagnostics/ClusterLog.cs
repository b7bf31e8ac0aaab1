using Microsoft.Extensions.Logging;

namespace TrafficConsole.Cluster.Diagnostics;

/// <summary>Source-generated log messages of the cluster layer (structured properties, never tokens).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Listed {Resource}: {Count} objects at resourceVersion {ResourceVersion}, {Changes} changes")]
    public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion, int changes);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Watching {Resource} from resourceVersion {ResourceVersion}")]
    public static partial void WatchStarting(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "resourceVersion {ResourceVersion} of {Resource} is gone (410); re-listing")]
    public static partial void ResourceVersionGone(ILogger logger, string resource, string? resourceVersion);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Watch of {Resource} failed ({Failures} in a row, last resourceVersion {ResourceVersion})")]
    public static partial void InformerFailed(ILogger logger, Exception exception, string resource, int failures, string? resourceVersion);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Watch of {Resource} sent an event we could not read; re-listing")]
    public static partial void WatchUnreadable(ILogger logger, Exception exception, string resource);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "The cluster does not serve {Resource} (404); treating it as empty and looking again later")]
    public static partial void KindNotServed(ILogger logger, string resource);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "The console may not list {Resource} (403); treating it as empty and asking again later")]
    public static partial void KindForbidden(ILogger logger, string resource);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Mesh cache health: {State} ({Error})")]
    public static partial void HealthChanged(ILogger logger, TrafficConsole.Cluster.Cache.CacheHealthState state, string? error);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Mesh cache synced at version {Version}: {Namespaces} namespaces")]
    public static partial void Synced(ILogger logger, long version, int namespaces);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Subscriber for {Namespace} fell behind; it will get a resync")]
    public static partial void SubscriberOverflow(ILogger logger, string? @Namespace);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Mesh cache starting: Istio networking {IstioVersion}, Gateway API {GatewayApi}")]
    public static partial void CacheStarting(ILogger logger, string? istioVersion, bool gatewayApi);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "{Actor} applied routing of {Namespace}/{Service}: VirtualService {VirtualService} rv {VirtualServiceRevision}, DestinationRule {DestinationRule} rv {DestinationRuleRevision}")]
    public static partial void RoutingApplied(ILogger logger, string actor, string @Namespace, string service, string? virtualService, string? virtualServiceRevision, string? destinationRule, string? destinationRuleRevision);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "{Actor} could not apply routing of {Namespace}/{Service}: {Outcome} {Message}")]
    public static partial void RoutingRejected(ILogger logger, string actor, string @Namespace, string service, string outcome, string message);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "Write of {Kind} {Namespace}/{Name} failed")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string kind, string @Namespace, string name);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "The cache did not show {Kind} {Namespace}/{Name} at resourceVersion {ResourceVersion} within {Timeout}")]
    public static partial void CacheLagging(ILogger logger, string kind, string @Namespace, string name, string? resourceVersion, TimeSpan timeout);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Information, Message = "{Actor} applied routing of {Namespace}/{Service}: HTTPRoute {HttpRoute} rv {HttpRouteRevision}")]
    public static partial void HttpRouteApplied(ILogger logger, string actor, string @Namespace, string service, string httpRoute, string? httpRouteRevision);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Information, Message = "{Actor} deleted routing of {Namespace}/{Service}")]
    public static partial void RoutingDeleted(ILogger logger, string actor, string @Namespace, string service);
}
