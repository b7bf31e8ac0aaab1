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

    // TC3xxx: a DestinationRule as found in the cluster.
    public const string DuplicateSubsetName = "TC3001";
    public const string DestinationRuleInvalidSubsetName = "TC3002";
    public const string SubsetSelectsNoWorkload = "TC3003";
    public const string MissingHost = "TC3004";

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
}
