namespace TrafficConsole.Mesh.Validation;

/// <summary>The stable validation codes. Never renumber: users search for them. Documented in docs/validation.md.</summary>
public static class ValidationCodes
{
    // TC1xxx: a traffic split edited in the UI.
    public const string WeightOutOfRange = "TC1001";
    public const string TotalNot100 = "TC1002";
    public const string AllWeightsZero = "TC1003";
    public const string UnknownVersion = "TC1004";
    public const string DuplicateVersion = "TC1005";
    public const string MirrorPercentOutOfRange = "TC1006";
    public const string UnknownMirrorVersion = "TC1007";
    public const string UnversionedTarget = "TC1008";
    public const string MirrorAlsoWeighted = "TC1009";
    public const string NoReadyReplicas = "TC1010";
    public const string EmptySplit = "TC1011";
    public const string ManagedElsewhere = "TC1012";

    // TC2xxx: a VirtualService as found in the cluster.
    public const string NegativeWeight = "TC2001";
    public const string AllDestinationWeightsZero = "TC2002";
    public const string SingleDestinationWeight = "TC2003";
    public const string SubsetNotDefined = "TC2004";
    public const string InvalidSubsetName = "TC2005";
    public const string WeightsNot100 = "TC2006";
    public const string UnreachableRoute = "TC2007";
    public const string MirrorPercentageOutOfRange = "TC2008";
    public const string NoHosts = "TC2009";
    public const string MissingDestinationHost = "TC2010";
    public const string ConflictingMirrorPercent = "TC2011";
    public const string VirtualServiceInvalidRegex = "TC2012";
    public const string VirtualServiceInvalidHeaderName = "TC2013";
    public const string UppercaseHeaderName = "TC2014";
    public const string FaultPercentageOutOfRange = "TC2015";
    public const string VirtualServiceInvalidDuration = "TC2016";
    public const string AmbiguousStringMatch = "TC2017";
    public const string InvalidHttpStatus = "TC2018";
    public const string VirtualServiceInvalidGatewayReference = "TC2019";
    public const string LegacyGatewayReference = "TC2020";
    public const string QueryParamPrefix = "TC2021";
    public const string RouteWithoutAction = "TC2022";
    public const string ConflictingActions = "TC2023";
    public const string InvalidRetries = "TC2024";
    public const string EmptyFault = "TC2025";
    public const string IneffectiveFault = "TC2026";
    public const string InvalidPort = "TC2027";
    public const string InvalidSourceNamespace = "TC2028";
    public const string InvalidHost = "TC2029";
    public const string DeprecatedField = "TC2030";
    public const string ShadowedByIdenticalMatch = "TC2031";

    // TC3xxx: a DestinationRule as found in the cluster.
    public const string DuplicateSubsetName = "TC3001";
    public const string DestinationRuleInvalidSubsetName = "TC3002";
    public const string SubsetSelectsNoWorkload = "TC3003";
    public const string MissingHost = "TC3004";
    public const string TrafficPolicyInvalidDuration = "TC3005";
    public const string TrafficPolicyPercentOutOfRange = "TC3006";
    public const string NegativeLimit = "TC3007";
    public const string InvalidLoadBalancer = "TC3008";
    public const string InvalidClientTls = "TC3009";
    public const string EmptyTrafficPolicy = "TC3010";
    public const string LocalOriginWithoutSplit = "TC3011";
    public const string ClientProtocolWithUpgrade = "TC3012";

    // TC4xxx: a routing intent (rules, default route, hosts, gateways, traffic policy) edited in the rule editor.
    public const string RuleNegativeWeight = "TC4001";
    public const string RuleAllWeightsZero = "TC4002";
    public const string RuleRelativeWeights = "TC4003";
    public const string RuleLoneWeightBelow100 = "TC4004";
    public const string RuleUnknownVersion = "TC4005";
    public const string RuleUnversionedTarget = "TC4006";
    public const string RuleNoDestinations = "TC4007";
    public const string RuleDuplicateVersion = "TC4008";
    public const string DuplicateCondition = "TC4009";
    public const string InvalidRegex = "TC4010";
    public const string InvalidHeaderName = "TC4011";
    public const string MissingConditionKey = "TC4012";
    public const string MissingConditionValue = "TC4013";
    public const string OperatorNotAllowed = "TC4014";
    public const string PercentOutOfRange = "TC4015";
    public const string InvalidAbortStatus = "TC4016";
    public const string InvalidDuration = "TC4017";
    public const string NegativeRetryAttempts = "TC4018";
    public const string LimitOutOfRange = "TC4019";
    public const string MaxEjectionPercentOutOfRange = "TC4020";
    public const string HashKeyNameMissing = "TC4021";
    public const string ShadowedRule = "TC4022";
    public const string DuplicateRuleName = "TC4023";
    public const string InvalidGatewayReference = "TC4024";
    public const string UnknownVersionPolicy = "TC4025";
    public const string NoRoutes = "TC4026";
    public const string AppliesNowhere = "TC4027";
    public const string ConflictingLoadBalancer = "TC4028";
    public const string InvalidExtraHost = "TC4029";
    public const string MirrorAlsoRouted = "TC4030";
    public const string RuleVersionNotReady = "TC4031";
    public const string RetrySettingsWithoutAttempts = "TC4032";
    public const string MutualTlsWithoutCertificates = "TC4033";

    // TC5xxx: cross-resource analysis of a snapshot (MeshAnalyzer.Analyze).
    public const string SubsetWithoutReadyPods = "TC5001";
    public const string UnknownDestinationHost = "TC5002";
    public const string ExternalDestinationHost = "TC5003";
    public const string ConflictingVirtualServices = "TC5004";
    public const string MergedGatewayVirtualServices = "TC5005";
    public const string ConflictingDestinationRules = "TC5006";
    public const string UnknownGateway = "TC5007";
    public const string HostNotOnGateway = "TC5008";

    // TC6xxx: other kinds checked on their own (MeshAnalyzer.ValidateResource).
    public const string UnsupportedKind = "TC6000";
    public const string GatewayWithoutServers = "TC6001";
    public const string GatewayServerWithoutHosts = "TC6002";
    public const string GatewayInvalidHost = "TC6003";
    public const string GatewayInvalidPort = "TC6004";
    public const string GatewayTlsRequired = "TC6005";
    public const string GatewayDuplicatePortName = "TC6006";
    public const string HttpRouteInvalidWeight = "TC6010";
    public const string HttpRouteAllWeightsZero = "TC6011";
    public const string HttpRouteInvalidRegex = "TC6012";
    public const string HttpRouteInvalidPath = "TC6013";
    public const string HttpRouteInvalidHeaderName = "TC6014";
    public const string HttpRouteWithoutParent = "TC6015";
    public const string HttpRouteInvalidBackend = "TC6016";
    public const string MalformedResource = "TC6020";
    public const string UnknownField = "TC6021";
}
