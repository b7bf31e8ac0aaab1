using System.Collections.Immutable;
using System.Text.Json.Nodes;

using k8s.Models;

using TrafficConsole.Mesh.Analysis;
using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Tests.TestData;
using TrafficConsole.Mesh.Validation;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Analysis;

/// <summary>MeshAnalyzer.ValidateResource: one resource judged as Istio's webhook and CRD schema would.</summary>
public class ValidateResourceTests
{
    private const string Route = "route: [{destination: {host: reviews}}]";
    private const string Parent = "parentRefs: [{name: gw}],";

    /// <summary>Code, severity, path, resource (YAML flow style): each code triggered where it should be.</summary>
    public static TheoryData<string, Severity, string, string> Triggers { get; } = new()
    {
        // Existing VirtualService codes, now reachable for single resources.
        { ValidationCodes.NegativeWeight, Severity.Error, "spec.http[0].route[0].weight", Vs("[{route: [{destination: {host: reviews}, weight: -5}, {destination: {host: reviews}, weight: 105}]}]") },
        { ValidationCodes.AllDestinationWeightsZero, Severity.Error, "spec.http[0].route", Vs("[{route: [{destination: {host: reviews, subset: v1}}, {destination: {host: reviews, subset: v2}}]}]") },
        { ValidationCodes.SingleDestinationWeight, Severity.Warning, "spec.http[0].route[0].weight", Vs("[{route: [{destination: {host: reviews}, weight: 40}]}]") },
        { ValidationCodes.InvalidSubsetName, Severity.Error, "spec.http[0].route[0].destination.subset", Vs("[{route: [{destination: {host: reviews, subset: V_1}}]}]") },
        { ValidationCodes.UnreachableRoute, Severity.Warning, "spec.http[1]", Vs($"[{{{Route}}}, {{match: [{{uri: {{prefix: /a}}}}], {Route}}}]") },
        { ValidationCodes.UnreachableRoute, Severity.Warning, "spec.http[1]", Vs($"[{{match: [{{uri: {{prefix: /}}, name: all}}], {Route}}}, {{match: [{{uri: {{prefix: /a}}}}], {Route}}}]") },
        { ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, "spec.http[0].mirrorPercentage.value", Vs($"[{{{Route}, mirror: {{host: reviews}}, mirrorPercentage: {{value: 120}}}}]") },
        { ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, "spec.http[0].mirrorPercent", Vs($"[{{{Route}, mirror: {{host: reviews}}, mirrorPercent: 150}}]") },
        { ValidationCodes.MirrorPercentageOutOfRange, Severity.Error, "spec.http[0].mirrors[0].percentage.value", Vs($"[{{{Route}, mirrors: [{{destination: {{host: reviews}}, percentage: {{value: 101}}}}]}}]") },
        { ValidationCodes.NoHosts, Severity.Error, "spec.hosts", Vs($"[{{{Route}}}]", hosts: "[]") },
        { ValidationCodes.MissingDestinationHost, Severity.Error, "spec.http[0].route[0].destination.host", Vs("[{route: [{destination: {subset: v1}}]}]") },

        // New VirtualService codes.
        { ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, "spec.http[0].match[0].headers[end-user].regex", Vs($"[{{match: [{{headers: {{end-user: {{regex: '(?<=a)b'}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, "spec.http[0].match[0].uri.regex", Vs($"[{{match: [{{uri: {{regex: '{new string('a', 1100)}'}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, "spec.http[0].match[0].queryParams[u].regex", Vs($"[{{match: [{{queryParams: {{u: {{regex: '(a'}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidRegex, Severity.Error, "spec.http[0].rewrite.uriRegexRewrite.match", Vs($"[{{{Route}, rewrite: {{uriRegexRewrite: {{match: '(\\1)', rewrite: /x}}}}}}]") },
        { ValidationCodes.VirtualServiceInvalidHeaderName, Severity.Error, "spec.http[0].match[0].headers[end user]", Vs($"[{{match: [{{headers: {{'end user': {{exact: a}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidHeaderName, Severity.Error, "spec.http[0].match[0].withoutHeaders[x:y]", Vs($"[{{match: [{{withoutHeaders: {{'x:y': {{exact: a}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidHeaderName, Severity.Error, "spec.http[0].headers.request.set[:path]", Vs($"[{{{Route}, headers: {{request: {{set: {{':path': /x}}}}}}}}]") },
        { ValidationCodes.UppercaseHeaderName, Severity.Warning, "spec.http[0].match[0].headers[End-User]", Vs($"[{{match: [{{headers: {{End-User: {{exact: a}}}}}}], {Route}}}]") },
        { ValidationCodes.FaultPercentageOutOfRange, Severity.Error, "spec.http[0].fault.abort.percentage.value", Vs($"[{{{Route}, fault: {{abort: {{httpStatus: 500, percentage: {{value: 150}}}}}}}}]") },
        { ValidationCodes.FaultPercentageOutOfRange, Severity.Error, "spec.http[0].fault.delay.percentage.value", Vs($"[{{{Route}, fault: {{delay: {{fixedDelay: 1s, percentage: {{value: -1}}}}}}}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, "spec.http[0].timeout", Vs($"[{{{Route}, timeout: '10'}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, "spec.http[0].retries.perTryTimeout", Vs($"[{{{Route}, retries: {{attempts: 2, perTryTimeout: abc}}}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, "spec.http[0].fault.delay.fixedDelay", Vs($"[{{{Route}, fault: {{delay: {{fixedDelay: 5 s, percentage: {{value: 10}}}}}}}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, "spec.http[0].timeout", Vs($"[{{{Route}, timeout: 0s}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Severity.Error, "spec.http[0].timeout", Vs($"[{{{Route}, timeout: 1.5ms}}]") },
        { ValidationCodes.AmbiguousStringMatch, Severity.Error, "spec.http[0].match[0].uri", Vs($"[{{match: [{{uri: {{exact: /a, prefix: /b}}}}], {Route}}}]") },
        { ValidationCodes.InvalidHttpStatus, Severity.Error, "spec.http[0].fault.abort.httpStatus", Vs($"[{{{Route}, fault: {{abort: {{httpStatus: 700, percentage: {{value: 10}}}}}}}}]") },
        { ValidationCodes.InvalidHttpStatus, Severity.Error, "spec.http[0].directResponse.status", Vs("[{directResponse: {status: 99}}]") },
        { ValidationCodes.InvalidHttpStatus, Severity.Error, "spec.http[0].redirect.redirectCode", Vs("[{redirect: {uri: /x, redirectCode: 200}}]") },
        { ValidationCodes.VirtualServiceInvalidGatewayReference, Severity.Error, "spec.gateways[0]", Vs($"[{{{Route}}}]", extra: "gateways: [Bad_Gateway],") },
        { ValidationCodes.VirtualServiceInvalidGatewayReference, Severity.Error, "spec.gateways[0]", Vs($"[{{{Route}}}]", extra: "gateways: ['a/b/c'],") },
        { ValidationCodes.VirtualServiceInvalidGatewayReference, Severity.Error, "spec.http[0].match[0].gateways[0]", Vs($"[{{match: [{{gateways: [ns/Bad]}}], {Route}}}]") },
        { ValidationCodes.LegacyGatewayReference, Severity.Warning, "spec.gateways[0]", Vs($"[{{{Route}}}]", extra: "gateways: [gw.istio-system.svc.cluster.local],") },
        { ValidationCodes.QueryParamPrefix, Severity.Warning, "spec.http[0].match[0].queryParams[u].prefix", Vs($"[{{match: [{{queryParams: {{u: {{prefix: ja}}}}}}], {Route}}}]") },
        { ValidationCodes.RouteWithoutAction, Severity.Error, "spec.http[0]", Vs("[{match: [{uri: {prefix: /a}}]}]") },
        { ValidationCodes.ConflictingActions, Severity.Error, "spec.http[0]", Vs($"[{{{Route}, redirect: {{uri: /x}}}}]") },
        { ValidationCodes.ConflictingActions, Severity.Error, "spec.http[0].rewrite", Vs($"[{{{Route}, rewrite: {{uri: /y, uriRegexRewrite: {{match: /x, rewrite: /y}}}}}}]") },
        { ValidationCodes.InvalidRetries, Severity.Error, "spec.http[0].retries.attempts", Vs($"[{{{Route}, retries: {{perTryTimeout: 2s}}}}]") },
        { ValidationCodes.InvalidRetries, Severity.Error, "spec.http[0].retries.attempts", Vs($"[{{{Route}, retries: {{attempts: -1}}}}]") },
        { ValidationCodes.EmptyFault, Severity.Error, "spec.http[0].fault", Vs($"[{{{Route}, fault: {{}}}}]") },
        { ValidationCodes.IneffectiveFault, Severity.Warning, "spec.http[0].fault.delay", Vs($"[{{{Route}, fault: {{delay: {{percentage: {{value: 10}}}}}}}}]") },
        { ValidationCodes.IneffectiveFault, Severity.Warning, "spec.http[0].fault.abort", Vs($"[{{{Route}, fault: {{abort: {{percentage: {{value: 10}}}}}}}}]") },
        { ValidationCodes.InvalidPort, Severity.Error, "spec.http[0].match[0].port", Vs($"[{{match: [{{port: 70000}}], {Route}}}]") },
        { ValidationCodes.InvalidPort, Severity.Error, "spec.http[0].route[0].destination.port.number", Vs("[{route: [{destination: {host: reviews, port: {number: 0}}}]}]") },
        { ValidationCodes.InvalidSourceNamespace, Severity.Error, "spec.http[0].match[0].sourceNamespace", Vs($"[{{match: [{{sourceNamespace: Front_End}}], {Route}}}]") },
        { ValidationCodes.InvalidHost, Severity.Error, "spec.hosts[0]", Vs($"[{{{Route}}}]", hosts: "['*']") },
        { ValidationCodes.InvalidHost, Severity.Error, "spec.hosts[0]", Vs($"[{{{Route}}}]", hosts: "['reviews..bookinfo']") },
        { ValidationCodes.InvalidHost, Severity.Error, "spec.http[0].route[0].destination.host", Vs("[{route: [{destination: {host: 'Reviews!'}}]}]") },
        { ValidationCodes.InvalidHost, Severity.Error, "spec.http[0].route[0].destination.host", Vs("[{route: [{destination: {host: '*'}}]}]") },
        { ValidationCodes.DeprecatedField, Severity.Warning, "spec.http[0].mirrorPercent", Vs($"[{{{Route}, mirror: {{host: reviews}}, mirrorPercent: 10}}]") },
        { ValidationCodes.DeprecatedField, Severity.Warning, "spec.http[0].fault.delay.percent", Vs($"[{{{Route}, fault: {{delay: {{fixedDelay: 1s, percent: 50}}}}}}]") },
        { ValidationCodes.ShadowedByIdenticalMatch, Severity.Warning, "spec.http[1].match", Vs($"[{{match: [{{headers: {{end-user: {{exact: jason}}}}}}], {Route}}}, {{match: [{{headers: {{end-user: {{exact: jason}}}}, name: again}}], {Route}}}, {{{Route}}}]") },

        // DestinationRule codes.
        { ValidationCodes.DestinationRuleInvalidSubsetName, Severity.Error, "spec.subsets[0].name", Dr("subsets: [{name: V1, labels: {version: v1}}]") },
        { ValidationCodes.TrafficPolicyInvalidDuration, Severity.Error, "spec.trafficPolicy.outlierDetection.interval", Dr("trafficPolicy: {outlierDetection: {interval: '5'}}") },
        { ValidationCodes.TrafficPolicyInvalidDuration, Severity.Error, "spec.trafficPolicy.connectionPool.tcp.connectTimeout", Dr("trafficPolicy: {connectionPool: {tcp: {connectTimeout: 0s}}}") },
        { ValidationCodes.TrafficPolicyInvalidDuration, Severity.Error, "spec.subsets[0].trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl", Dr("subsets: [{name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: u, ttl: soon}}}}}]") },
        { ValidationCodes.TrafficPolicyPercentOutOfRange, Severity.Error, "spec.trafficPolicy.outlierDetection.maxEjectionPercent", Dr("trafficPolicy: {outlierDetection: {maxEjectionPercent: 120}}") },
        { ValidationCodes.NegativeLimit, Severity.Error, "spec.trafficPolicy.connectionPool.tcp.maxConnections", Dr("trafficPolicy: {connectionPool: {tcp: {maxConnections: -1}}}") },
        { ValidationCodes.NegativeLimit, Severity.Error, "spec.trafficPolicy.connectionPool.http.maxRetries", Dr("trafficPolicy: {connectionPool: {http: {maxRetries: -3}}}") },
        { ValidationCodes.InvalidLoadBalancer, Severity.Error, "spec.trafficPolicy.loadBalancer.simple", Dr("trafficPolicy: {loadBalancer: {simple: FASTEST}}") },
        { ValidationCodes.InvalidLoadBalancer, Severity.Error, "spec.trafficPolicy.loadBalancer.consistentHash", Dr("trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}}") },
        { ValidationCodes.InvalidLoadBalancer, Severity.Error, "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name", Dr("trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {ttl: 10s}}}}") },
        { ValidationCodes.InvalidLoadBalancer, Severity.Error, "spec.trafficPolicy.loadBalancer", Dr("trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}}") },
        { ValidationCodes.InvalidClientTls, Severity.Error, "spec.trafficPolicy.tls", Dr("trafficPolicy: {tls: {mode: MUTUAL}}") },
        { ValidationCodes.InvalidClientTls, Severity.Error, "spec.trafficPolicy.tls.mode", Dr("trafficPolicy: {tls: {mode: STRICT}}") },
        { ValidationCodes.EmptyTrafficPolicy, Severity.Error, "spec.trafficPolicy", Dr("trafficPolicy: {}") },
        { ValidationCodes.EmptyTrafficPolicy, Severity.Error, "spec.trafficPolicy.connectionPool", Dr("trafficPolicy: {connectionPool: {}}") },
        { ValidationCodes.EmptyTrafficPolicy, Severity.Error, "spec.trafficPolicy.portLevelSettings[0].port", Dr("trafficPolicy: {portLevelSettings: [{loadBalancer: {simple: RANDOM}}]}") },
        { ValidationCodes.LocalOriginWithoutSplit, Severity.Error, "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures", Dr("trafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 5}}") },
        { ValidationCodes.ClientProtocolWithUpgrade, Severity.Error, "spec.trafficPolicy.connectionPool.http.useClientProtocol", Dr("trafficPolicy: {connectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}}") },

        // Istio Gateway codes.
        { ValidationCodes.GatewayWithoutServers, Severity.Error, "spec.servers", Gw("[]") },
        { ValidationCodes.GatewayServerWithoutHosts, Severity.Error, "spec.servers[0].hosts", Gw("[{port: {number: 80, name: http, protocol: HTTP}}]") },
        { ValidationCodes.GatewayInvalidHost, Severity.Error, "spec.servers[0].hosts[0]", Gw("[{port: {number: 80, name: http, protocol: HTTP}, hosts: [bookinfo]}]") },
        { ValidationCodes.GatewayInvalidHost, Severity.Error, "spec.servers[0].hosts[0]", Gw("[{port: {number: 80, name: http, protocol: HTTP}, hosts: ['Bad_NS/a.example.com']}]") },
        { ValidationCodes.GatewayInvalidPort, Severity.Error, "spec.servers[0].port.protocol", Gw("[{port: {number: 80, name: http, protocol: HTTPX}, hosts: ['*']}]") },
        { ValidationCodes.GatewayInvalidPort, Severity.Error, "spec.servers[0].port.number", Gw("[{port: {number: 0, name: http, protocol: HTTP}, hosts: ['*']}]") },
        { ValidationCodes.GatewayInvalidPort, Severity.Error, "spec.servers[0].port", Gw("[{hosts: ['*']}]") },
        { ValidationCodes.GatewayTlsRequired, Severity.Error, "spec.servers[0].tls", Gw("[{port: {number: 443, name: https, protocol: HTTPS}, hosts: ['*']}]") },
        { ValidationCodes.GatewayDuplicatePortName, Severity.Error, "spec.servers[1].port.name", Gw("[{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}, {port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]") },

        // HTTPRoute codes.
        { ValidationCodes.HttpRouteInvalidWeight, Severity.Error, "spec.rules[0].backendRefs[0].weight", Rt($"{Parent} rules: [{{backendRefs: [{{name: a, port: 80, weight: -1}}]}}]") },
        { ValidationCodes.HttpRouteAllWeightsZero, Severity.Warning, "spec.rules[0].backendRefs", Rt($"{Parent} rules: [{{backendRefs: [{{name: a, port: 80, weight: 0}}, {{name: b, port: 80, weight: 0}}]}}]") },
        { ValidationCodes.HttpRouteInvalidRegex, Severity.Error, "spec.rules[0].matches[0].path.value", Rt($"{Parent} rules: [{{matches: [{{path: {{type: RegularExpression, value: '(?=a)'}}}}], backendRefs: [{{name: a, port: 80}}]}}]") },
        { ValidationCodes.HttpRouteInvalidRegex, Severity.Error, "spec.rules[0].matches[0].headers[0].value", Rt($"{Parent} rules: [{{matches: [{{headers: [{{type: RegularExpression, name: x, value: '[a'}}]}}], backendRefs: [{{name: a, port: 80}}]}}]") },
        { ValidationCodes.HttpRouteInvalidPath, Severity.Error, "spec.rules[0].matches[0].path.value", Rt($"{Parent} rules: [{{matches: [{{path: {{type: PathPrefix, value: api}}}}], backendRefs: [{{name: a, port: 80}}]}}]") },
        { ValidationCodes.HttpRouteInvalidHeaderName, Severity.Error, "spec.rules[0].matches[0].headers[0].name", Rt($"{Parent} rules: [{{matches: [{{headers: [{{name: 'x y', value: a}}]}}], backendRefs: [{{name: a, port: 80}}]}}]") },
        { ValidationCodes.HttpRouteWithoutParent, Severity.Warning, "spec.parentRefs", Rt("rules: [{backendRefs: [{name: a, port: 80}]}]") },
        { ValidationCodes.HttpRouteInvalidBackend, Severity.Error, "spec.rules[0].backendRefs[0].port", Rt($"{Parent} rules: [{{backendRefs: [{{name: a}}]}}]") },
        { ValidationCodes.HttpRouteInvalidBackend, Severity.Error, "spec.rules[0].backendRefs[0].name", Rt($"{Parent} rules: [{{backendRefs: [{{port: 80}}]}}]") },

        // Other kinds and shapes.
        { ValidationCodes.UnsupportedKind, Severity.Warning, "kind", "{apiVersion: networking.istio.io/v1, kind: ServiceEntry, metadata: {name: x}, spec: {hosts: [a.com]}}" },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.http[0].route[0].weight", Vs("[{route: [{destination: {host: reviews}, weight: abc}]}]") },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.http[1]", Vs($"[{{{Route}}}, null]") },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.http[0].match[0].headers[end-user]", Vs($"[{{match: [{{headers: {{end-user: null}}}}], {Route}}}]") },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.subsets[0]", Dr("subsets: [null]") },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.servers[0].hosts[0]", Gw("[{port: {number: 80, name: http, protocol: HTTP}, hosts: [null]}]") },
        { ValidationCodes.MalformedResource, Severity.Error, "spec.rules[0].backendRefs[0]", Rt($"{Parent} rules: [{{backendRefs: [null]}}]") },
    };

    /// <summary>Code and a valid resource close to what would trigger it: the code stays quiet.</summary>
    public static TheoryData<string, string> QuietCases { get; } = new()
    {
        { ValidationCodes.VirtualServiceInvalidRegex, Vs($"[{{match: [{{headers: {{x-user-email: {{regex: '.*@gmail\\.com'}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidRegex, Vs($"[{{match: [{{headers: {{x-canary: {{regex: '*'}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidHeaderName, Vs($"[{{match: [{{headers: {{':authority': {{exact: a.com}}}}}}], {Route}, headers: {{request: {{set: {{host: b.com}}}}}}}}]") },
        { ValidationCodes.UppercaseHeaderName, Vs($"[{{match: [{{headers: {{end-user: {{exact: Jason}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidDuration, Vs($"[{{{Route}, timeout: 1.5s, retries: {{attempts: 2, perTryTimeout: 500ms}}}}]") },
        { ValidationCodes.AmbiguousStringMatch, Vs($"[{{match: [{{uri: {{prefix: /a}}, method: {{exact: GET}}}}], {Route}}}]") },
        { ValidationCodes.QueryParamPrefix, Vs($"[{{match: [{{queryParams: {{u: {{exact: jason}}, debug: {{}}}}}}], {Route}}}]") },
        { ValidationCodes.VirtualServiceInvalidGatewayReference, Vs($"[{{match: [{{gateways: [mesh]}}], {Route}}}]", extra: "gateways: [istio-system/ingress, bookinfo-gateway, mesh],") },
        { ValidationCodes.LegacyGatewayReference, Vs($"[{{{Route}}}]", extra: "gateways: [istio-system/ingress],") },
        { ValidationCodes.InvalidHost, Vs($"[{{{Route}}}]", hosts: "['*']", extra: "gateways: [gw],") },
        { ValidationCodes.InvalidHost, Vs("[{route: [{destination: {host: reviews.bookinfo.svc.cluster.local}}]}]", hosts: "['*.example.com', 10.0.0.1]") },
        { ValidationCodes.ShadowedByIdenticalMatch, Vs($"[{{match: [{{headers: {{end-user: {{exact: jason}}}}}}], {Route}}}, {{match: [{{headers: {{end-user: {{exact: jason}}}}}}, {{uri: {{prefix: /beta}}}}], {Route}}}]") },
        { ValidationCodes.UnreachableRoute, Vs($"[{{match: [{{uri: {{prefix: /}}, headers: {{x-canary: {{}}}}}}], {Route}}}, {{match: [{{uri: {{prefix: /a}}}}], {Route}}}, {{{Route}}}]") },
        { ValidationCodes.DeprecatedField, Vs($"[{{{Route}, mirror: {{host: reviews}}, mirrorPercentage: {{value: 10}}}}]") },
        { ValidationCodes.RouteWithoutAction, Vs("[{delegate: {name: reviews-v1, namespace: other}}]") },
        { ValidationCodes.IneffectiveFault, Vs($"[{{{Route}, fault: {{abort: {{grpcStatus: UNAVAILABLE, percentage: {{value: 10}}}}}}}}]") },
        { ValidationCodes.TrafficPolicyInvalidDuration, Dr("trafficPolicy: {connectionPool: {tcp: {idleTimeout: 0s}}, loadBalancer: {consistentHash: {httpCookie: {name: u, ttl: 0s}}}}") },
        { ValidationCodes.InvalidClientTls, Dr("trafficPolicy: {tls: {mode: MUTUAL, credentialName: client-cert}}") },
        { ValidationCodes.EmptyTrafficPolicy, Dr("trafficPolicy: {portLevelSettings: [{port: {number: 9080}, loadBalancer: {simple: LEAST_REQUEST}}]}") },
        { ValidationCodes.GatewayInvalidHost, Gw("[{port: {number: 80, name: http, protocol: http}, hosts: ['./bookinfo.example.com', '*/*.example.com', 'ns1/*']}]") },
        { ValidationCodes.HttpRouteAllWeightsZero, Rt($"{Parent} rules: [{{backendRefs: [{{name: a, port: 80, weight: 0}}, {{name: b, port: 80}}]}}]") },
    };

    private static ImmutableArray<ValidationIssue> Validate(string yaml) =>
        MeshAnalyzer.ValidateResource(ResourceYaml.ToJson(yaml)!);

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Each_code_is_reported_at_its_field(string code, Severity severity, string path, string yaml)
    {
        ImmutableArray<ValidationIssue> issues = Validate(yaml);

        ValidationIssue issue = Assert.Single(issues, i => i.Code == code && i.Path == path);
        Assert.Equal(severity, issue.Severity);
        Assert.False(string.IsNullOrWhiteSpace(issue.Message));
    }

    [Theory]
    [MemberData(nameof(QuietCases))]
    public void Each_code_stays_quiet_on_valid_input_close_to_its_trigger(string code, string yaml)
    {
        Assert.DoesNotContain(Validate(yaml), i => i.Code == code);
    }

    [Fact]
    public void The_Bookinfo_samples_are_valid_typed_and_as_json()
    {
        foreach (object resource in BookinfoYaml.All)
        {
            Assert.Empty(MeshAnalyzer.ValidateResource(resource));
            Assert.Empty(MeshAnalyzer.ValidateResource(System.Text.Json.JsonSerializer.SerializeToNode(resource, resource.GetType(), MeshJson.Options)!));
        }

        Assert.Empty(MeshAnalyzer.ValidateResource(SplitService("1", ("v1", 90), ("v2", 10))));
        Assert.Empty(MeshAnalyzer.ValidateResource(SubsetRule()));
    }

    [Fact]
    public void A_resource_on_its_own_is_not_blamed_for_subsets_it_cannot_see()
    {
        Assert.DoesNotContain(MeshAnalyzer.ValidateResource(SplitService("1", ("v9", 100))), static i => i.Code == ValidationCodes.SubsetNotDefined);
    }

    [Theory]
    [InlineData("{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: r, namespace: b}, spec: {hosts: [null], gateways: [null], http: [{match: [null, {queryParams: {y: null}, gateways: [null]}], route: [null, {destination: null}], mirrors: [null, {}]}]}}")]
    [InlineData("{apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {name: r, namespace: b}, spec: {host: a, trafficPolicy: {portLevelSettings: [null]}}}")]
    [InlineData("{apiVersion: networking.istio.io/v1, kind: Gateway, metadata: {name: r, namespace: b}, spec: {servers: [null]}}")]
    [InlineData("{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: r, namespace: b}, spec: {parentRefs: [null], rules: [null, {matches: [null]}]}}")]
    public void Empty_entries_are_errors_typed_or_as_json_never_exceptions(string yaml)
    {
        JsonNode node = ResourceYaml.ToJson(yaml)!;
        object typed = (string)node["kind"]! switch
        {
            "VirtualService" => BookinfoYaml.Read<VirtualService>(yaml),
            "DestinationRule" => BookinfoYaml.Read<DestinationRule>(yaml),
            "Gateway" => BookinfoYaml.Read<IstioGateway>(yaml),
            _ => BookinfoYaml.Read<HttpRoute>(yaml),
        };

        ImmutableArray<ValidationIssue> fromJson = MeshAnalyzer.ValidateResource(node);
        ImmutableArray<ValidationIssue> fromModel = MeshAnalyzer.ValidateResource(typed);

        Assert.NotEmpty(fromJson);
        Assert.All(fromJson, static i => Assert.Equal((ValidationCodes.MalformedResource, Severity.Error), (i.Code, i.Severity)));
        Assert.Equal(fromJson.Select(static i => i.Path), fromModel.Select(static i => i.Path));
    }

    [Fact]
    public void Json_that_is_not_an_object_is_an_unsupported_kind()
    {
        Assert.Equal(ValidationCodes.UnsupportedKind, Assert.Single(MeshAnalyzer.ValidateResource(new JsonArray())).Code);
    }

    [Fact]
    public void Errors_mean_rejection_and_warnings_do_not()
    {
        Assert.True(Validate(Vs("[{route: [{destination: {host: reviews}, weight: -5}, {destination: {host: reviews}, weight: 105}]}]")).HasErrors());
        Assert.False(Validate(Vs("[{route: [{destination: {host: reviews}, weight: 40}]}]")).HasErrors());
    }

    [Fact]
    public void Unknown_kinds_get_a_finding_not_an_exception()
    {
        var pod = new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { Name = "p" } };

        ValidationIssue forPod = Assert.Single(MeshAnalyzer.ValidateResource(pod));
        ValidationIssue forText = Assert.Single(MeshAnalyzer.ValidateResource("not a resource"));

        Assert.Equal((ValidationCodes.UnsupportedKind, Severity.Warning), (forPod.Code, forPod.Severity));
        Assert.Contains("Pod (v1)", forPod.Message, StringComparison.Ordinal);
        Assert.Equal(ValidationCodes.UnsupportedKind, forText.Code);
        Assert.Contains("ServiceEntry", Assert.Single(Validate("{apiVersion: networking.istio.io/v1, kind: ServiceEntry, metadata: {name: x}}")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_name_the_problem_in_the_users_words()
    {
        ValidationIssue regex = Assert.Single(Validate(Vs($"[{{match: [{{headers: {{end-user: {{regex: '(?<=a)b'}}}}}}], {Route}}}]")));
        ValidationIssue duration = Assert.Single(Validate(Vs($"[{{{Route}, timeout: '10'}}]")));

        Assert.Contains("lookbehind", regex.Message, StringComparison.Ordinal);
        Assert.Contains("'10' is not a duration", duration.Message, StringComparison.Ordinal);
    }

    private static string Vs(string http, string extra = "", string hosts = "[reviews]") =>
        $"{{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {{name: r, namespace: bookinfo}}, spec: {{hosts: {hosts}, {extra} http: {http}}}}}";

    private static string Dr(string spec) =>
        $"{{apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {{name: r, namespace: bookinfo}}, spec: {{host: reviews, {spec}}}}}";

    private static string Gw(string servers) =>
        $"{{apiVersion: networking.istio.io/v1, kind: Gateway, metadata: {{name: gw, namespace: bookinfo}}, spec: {{selector: {{istio: ingressgateway}}, servers: {servers}}}}}";

    private static string Rt(string spec) =>
        $"{{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {{name: r, namespace: bookinfo}}, spec: {{{spec}}}}}";
}
