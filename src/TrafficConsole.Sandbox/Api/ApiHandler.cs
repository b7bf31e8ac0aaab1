using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Patching;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api;

/// <summary>The parsed target of a resource request: kind, version, namespace, name and subresource.</summary>
internal sealed record ResourceRequest(ResourceType Type, string Version, string? Namespace, string? Name, string? Subresource, bool WatchPath);

/// <summary>Who a request runs as and what it asked, for authorization and the audit log.</summary>
internal sealed class RequestIdentity(UserInfo user, UserInfo? impersonator)
{
    public UserInfo User { get; } = user;

    public UserInfo? Impersonator { get; } = impersonator;

    public AccessAttributes? Attributes { get; set; }
}

/// <summary>
/// Turns HTTP requests into registry calls the way kube-apiserver's handler chain does: path
/// resolution, authentication, verbs, content negotiation (JSON, Table, aggregated discovery),
/// watch streaming, and errors as Status objects.
/// </summary>
internal sealed partial class ApiHandler(
    ResourceRegistry registry,
    RequestCounters counters,
    Authenticator authenticator,
    RbacAuthorizer authorizer,
    SandboxAudit audit,
    TimeSpan bookmarkInterval,
    TimeProvider time,
    ILogger logger,
    CancellationToken shutdown)
{
    private static readonly string[] PatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

    private static readonly byte[] Newline = "\n"u8.ToArray();

    /// <summary>kube-apiserver's limit on a request body (3 MiB), enforced by Kestrel as the body is read.</summary>
    public const long MaxRequestBodyBytes = 3 * 1024 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        RequestIdentity? identity = null;
        var audited = false;
        // Recorded as the response starts (kube-apiserver's ResponseStarted stage), before the client can read it, so whoever has
        // the answer also finds its audit entry; the finally block covers a request that ends without a response.
        context.Response.OnStarting(() =>
        {
            audited = Audit(context, identity);
            return Task.CompletedTask;
        });
        try
        {
            var caller = authenticator.Authenticate(context.Request);
            identity = new RequestIdentity(caller, null);
            var user = Impersonation.Apply(context.Request, caller, authorizer, denied => identity.Attributes = denied);
            if (!ReferenceEquals(user, caller))
            {
                identity = new RequestIdentity(user, caller);
            }

            await RouteAsync(context, identity).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            await WriteStatusAsync(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteStatusAsync(context, ApiException.RequestEntityTooLarge($"Request entity too large: limit is {MaxRequestBodyBytes}")).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteStatusAsync(context, ApiException.BadRequest(ex.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || shutdown.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        catch (ObjectDisposedException) when (shutdown.IsCancellationRequested)
        {
            await WriteStatusAsync(context, new ApiException(503, "ServiceUnavailable", "the sandbox is shutting down")).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in the sandbox still answers as the API server would: a 500 Status, logged.
            LogInternalError(logger, ex, context.Request.Method, context.Request.Path);
            await WriteStatusAsync(context, new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}")).ConfigureAwait(false);
        }
        finally
        {
            if (!audited)
            {
                Audit(context, identity);
            }
        }
    }

    /// <summary>Records writes and refusals; returns whether the request is now accounted for.</summary>
    private bool Audit(HttpContext context, RequestIdentity? identity)
    {
        if (identity?.Attributes is not { } attributes)
        {
            return false;
        }

        if (IsWrite(attributes.Verb) || context.Response.StatusCode is 401 or 403)
        {
            audit.Add(new AuditEntry(time.GetUtcNow(), identity.User.Name, identity.User.Groups, identity.Impersonator?.Name,
                attributes.Verb, attributes.ApiGroup, attributes.IsResourceRequest ? attributes.ResourceWithSubresource : attributes.Path!,
                attributes.Namespace.Length == 0 ? null : attributes.Namespace, attributes.Name.Length == 0 ? null : attributes.Name,
                context.Response.StatusCode));
        }

        return true;
    }

    private static bool IsWrite(string verb) =>
        verb is "create" or "update" or "patch" or "delete" or "deletecollection" or "impersonate";

    /// <summary>Asks RBAC; a denial is the 403 kube-apiserver answers.</summary>
    private void Authorize(RequestIdentity identity, AccessAttributes attributes)
    {
        identity.Attributes = attributes;
        if (!authorizer.Authorize(attributes).Allowed)
        {
            LogForbidden(logger, attributes.User.Name, attributes.Verb, attributes.IsResourceRequest ? attributes.ResourceWithSubresource : attributes.Path!,
                attributes.ApiGroup, attributes.Namespace);
            throw attributes.Forbidden();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sandbox RBAC refused {User} {Verb} {Resource} in API group {ApiGroup} (namespace {Namespace})")]
    private static partial void LogForbidden(ILogger logger, string user, string verb, string resource, string apiGroup, string @Namespace);

    /// <summary>Discovery, OpenAPI, health and version are non-resource requests: RBAC decides on the path.</summary>
    private void AuthorizePath(HttpContext context, RequestIdentity identity) =>
        Authorize(identity, new AccessAttributes(identity.User, context.Request.Method.ToLowerInvariant(),
            Path: context.Request.Path.Value ?? "/"));

    [LoggerMessage(Level = LogLevel.Error, Message = "Sandbox failed to serve {Method} {Path}")]
    private static partial void LogInternalError(ILogger logger, Exception ex, string method, string? path);

    private async Task RouteAsync(HttpContext context, RequestIdentity identity)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        var isResourceRequest = segments is ["api", _, _, ..] or ["apis", _, _, _, ..];
        if (!isResourceRequest)
        {
            AuthorizePath(context, identity);
        }

        if (segments.Length == 0)
        {
            await WriteJsonAsync(context, 200, new JsonObject
            {
                ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"),
            }).ConfigureAwait(false);
            return;
        }

        switch (segments[0])
        {
            case "healthz" or "livez" or "readyz":
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
                return;
            case "version" when segments.Length == 1:
                counters.Count("discovery");
                await WriteJsonAsync(context, 200, Discovery.Version()).ConfigureAwait(false);
                return;
            case "openapi":
                await OpenApiAsync(context, segments).ConfigureAwait(false);
                return;
            case "api":
                if (segments.Length == 1)
                {
                    counters.Count("discovery");
                    var aggregated = Discovery.AggregatedContentType(context.Request.Headers.Accept);
                    if (aggregated is not null)
                    {
                        await WriteJsonAsync(context, 200, Discovery.Aggregated(core: true, aggregated), aggregated).ConfigureAwait(false);
                    }
                    else
                    {
                        await WriteJsonAsync(context, 200, Discovery.CoreVersions($"{context.Request.Host}")).ConfigureAwait(false);
                    }

                    return;
                }

                if (segments[1] != "v1")
                {
                    throw NotFoundPath();
                }

                await ResourceAsync(context, identity, "", "v1", segments[2..]).ConfigureAwait(false);
                return;
            case "apis":
                if (segments.Length == 1)
                {
                    counters.Count("discovery");
                    var aggregated = Discovery.AggregatedContentType(context.Request.Headers.Accept);
                    await (aggregated is not null
                        ? WriteJsonAsync(context, 200, Discovery.Aggregated(core: false, aggregated), aggregated)
                        : WriteJsonAsync(context, 200, Discovery.GroupList())).ConfigureAwait(false);
                    return;
                }

                if (segments.Length == 2)
                {
                    counters.Count("discovery");
                    await WriteJsonAsync(context, 200, Discovery.GroupDocument(segments[1]) ?? throw NotFoundPath()).ConfigureAwait(false);
                    return;
                }

                if (!ResourceCatalog.Serves(segments[1], segments[2]))
                {
                    throw NotFoundPath();
                }

                await ResourceAsync(context, identity, segments[1], segments[2], segments[3..]).ConfigureAwait(false);
                return;
            default:
                throw NotFoundPath();
        }
    }

    private async Task OpenApiAsync(HttpContext context, string[] segments)
    {
        counters.Count("discovery");
        if (segments.Length >= 2 && segments[1] == "v3")
        {
            if (segments.Length == 2)
            {
                await WriteJsonAsync(context, 200, Discovery.OpenApiV3Index()).ConfigureAwait(false);
                return;
            }

            var doc = segments switch
            {
                [_, _, "api", var v] => Discovery.OpenApiV3("", v),
                [_, _, "apis", var g, var v] => Discovery.OpenApiV3(g, v),
                _ => null,
            };
            if (doc is not null)
            {
                await WriteJsonAsync(context, 200, doc).ConfigureAwait(false);
                return;
            }
        }

        // OpenAPI v2 is served only as protobuf by real servers; clients fall back to v3.
        throw NotFoundPath();
    }

    private static ApiException NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource");

    private async Task ResourceAsync(HttpContext context, RequestIdentity identity, string group, string version, string[] rest)
    {
        if (rest.Length == 0)
        {
            counters.Count("discovery");
            await WriteJsonAsync(context, 200, Discovery.ResourceList(group, version)).ConfigureAwait(false);
            return;
        }

        var request = Resolve(group, version, rest) ?? throw NotFoundPath();
        var query = context.Request.Query;
        var method = context.Request.Method;
        var isWatch = request.WatchPath || IsTrue(query["watch"]);
        var attributes = AttributesOf(identity.User, request, method, isWatch);
        Authorize(identity, attributes);
        if (request.Type.IsReview)
        {
            await ReviewAsync(context, identity, request).ConfigureAwait(false);
            return;
        }

        if (attributes.Verb is "update" or "patch" && request.Subresource is null && request.Name is not null
            && registry.Store.Get(request.Type, request.Namespace, request.Name!) is null)
        {
            // An update or apply that would create the object needs "create" too, as kube-apiserver checks.
            Authorize(identity, attributes with { Verb = "create" });
            identity.Attributes = attributes;
        }

        CheckFieldValidation(query["fieldValidation"]);

        switch (method)
        {
            case "GET" when request.Name is null || (isWatch && request.Subresource is null):
                if (isWatch)
                {
                    counters.Count("watch");
                    await WatchAsync(context, request).ConfigureAwait(false);
                }
                else
                {
                    counters.Count("list");
                    await ListAsync(context, request).ConfigureAwait(false);
                }

                return;
            case "GET":
                counters.Count("get");
                await GetAsync(context, request).ConfigureAwait(false);
                return;
            case "POST" when request.Name is null:
                counters.Count("create");
                RequireNamespace(request);
                var created = registry.Create(request.Type, request.Version, request.Namespace,
                    Body.ParseObject(await ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false)), WriteOptionsOf(context, apply: false));
                await WriteJsonAsync(context, 201, created).ConfigureAwait(false);
                return;
            case "PUT" when request.Name is not null:
                counters.Count("update");
                CheckSubresource(request);
                var body = Body.ParseObject(await ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false));
                var (updated, _) = registry.Update(request.Type, request.Version, request.Namespace, request.Name, request.Subresource,
                    body, WriteOptionsOf(context, apply: false));
                await WriteJsonAsync(context, 200, updated).ConfigureAwait(false);
                return;
            case "PATCH" when request.Name is not null:
                counters.Count("patch");
                CheckSubresource(request);
                await PatchAsync(context, request).ConfigureAwait(false);
                return;
            case "DELETE" when request.Name is not null:
                counters.Count("delete");
                await DeleteAsync(context, request).ConfigureAwait(false);
                return;
            case "DELETE":
                counters.Count("deletecollection");
                var labelSel = LabelSelector.Parse(query["labelSelector"]);
                var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
                var deleted = registry.DeleteCollection(request.Type, request.Version, request.Namespace,
                    o => labelSel.Matches(Json.Labels(o)) && fieldSel.Matches(Json.Namespace(o) ?? "", Json.Name(o) ?? ""),
                    WriteOptionsOf(context, apply: false));
                await WriteJsonAsync(context, 200, ListOf(request, deleted, registry.Store.ResourceVersion, null)).ConfigureAwait(false);
                return;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    /// <summary>The RBAC attributes of a resource request, as kube-apiserver's RequestInfoFactory derives them.</summary>
    private static AccessAttributes AttributesOf(UserInfo user, ResourceRequest request, string method, bool isWatch)
    {
        var verb = method switch
        {
            "GET" or "HEAD" => isWatch ? "watch" : request.Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => request.Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };

        // A namespace's own requests are in that namespace (so a RoleBinding there may grant "get namespaces").
        var ns = request.Namespace ?? (request.Type == ResourceCatalog.Namespaces ? request.Name : null);
        return new AccessAttributes(user, verb, request.Type.Group, request.Type.Plural, request.Subresource ?? "", ns ?? "", request.Name ?? "");
    }

    /// <summary>
    /// Access reviews, rules reviews, whoami and token reviews, answered by the same authenticator and authorizer that
    /// decide every request.
    /// </summary>
    private async Task ReviewAsync(HttpContext context, RequestIdentity identity, ResourceRequest request)
    {
        if (context.Request.Method != "POST" || request.Name is not null)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        counters.Count("create");
        var review = Body.ParseObject(await ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false));
        review["apiVersion"] = request.Type.ApiVersion(request.Version);
        review["kind"] = request.Type.Kind;
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        var spec = review["spec"] as JsonObject ?? [];
        var user = identity.User;
        if (request.Type == ResourceCatalog.SelfSubjectReviews)
        {
            review["status"] = new JsonObject { ["userInfo"] = UserJson(user) };
        }
        else if (request.Type == ResourceCatalog.SelfSubjectAccessReviews)
        {
            review["status"] = AccessReviewStatus(user, spec);
        }
        else if (request.Type == ResourceCatalog.SelfSubjectRulesReviews)
        {
            var ns = Json.Str(spec["namespace"]);
            if (string.IsNullOrEmpty(ns))
            {
                throw ApiException.BadRequest("no namespace on request");
            }

            review["status"] = RulesReviewStatus(authorizer.RulesIn(user, ns));
        }
        else if (request.Type == ResourceCatalog.TokenReviews)
        {
            var token = Json.Str(spec["token"]);
            if (string.IsNullOrEmpty(token))
            {
                throw ApiException.BadRequest("token is required for TokenReview in authentication.k8s.io");
            }

            var reviewed = authenticator.ByToken(token);
            review["status"] = new JsonObject
            {
                ["authenticated"] = reviewed is not null,
                ["user"] = reviewed is null ? new JsonObject() : UserJson(reviewed),
                ["audiences"] = spec["audiences"]?.DeepClone() ?? new JsonArray(),
            };
        }

        await WriteJsonAsync(context, 201, review).ConfigureAwait(false);
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name };
        if (user.Uid.Length > 0)
        {
            json["uid"] = user.Uid;
        }

        json["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)JsonValue.Create(g))]);
        return json;
    }

    private JsonObject AccessReviewStatus(UserInfo user, JsonObject spec)
    {
        AccessAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject resource)
        {
            attributes = new AccessAttributes(user, Json.Str(resource["verb"]) ?? "", Json.Str(resource["group"]) ?? "",
                Json.Str(resource["resource"]) ?? "", Json.Str(resource["subresource"]) ?? "", Json.Str(resource["namespace"]) ?? "",
                Json.Str(resource["name"]) ?? "");
        }
        else if (spec["nonResourceAttributes"] is JsonObject nonResource)
        {
            attributes = new AccessAttributes(user, Json.Str(nonResource["verb"]) ?? "", Path: Json.Str(nonResource["path"]) ?? "");
        }
        else
        {
            throw new ApiException(422, "Invalid",
                "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                "", "authorization.k8s.io", "SelfSubjectAccessReview",
                [new StatusCause("FieldValueInvalid", "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    "spec.resourceAttributes")]);
        }

        var decision = authorizer.Authorize(attributes);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }

        return status;
    }

    private static JsonObject RulesReviewStatus(IEnumerable<PolicyRule> rules)
    {
        static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var rule in rules)
        {
            if (rule.Resources.Length > 0 || rule.ApiGroups.Length > 0)
            {
                var json = new JsonObject { ["verbs"] = Strings(rule.Verbs), ["apiGroups"] = Strings(rule.ApiGroups), ["resources"] = Strings(rule.Resources) };
                if (rule.ResourceNames.Length > 0)
                {
                    json["resourceNames"] = Strings(rule.ResourceNames);
                }

                resourceRules.Add(json);
            }

            if (rule.NonResourceUrls.Length > 0)
            {
                nonResourceRules.Add(new JsonObject { ["verbs"] = Strings(rule.Verbs), ["nonResourceURLs"] = Strings(rule.NonResourceUrls) });
            }
        }

        return new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false };
    }

    private static void CheckSubresource(ResourceRequest request)
    {
        if (request.Subresource is null)
        {
            return;
        }

        if ((request.Subresource == "status" && request.Type.HasStatusSubresource)
            || (request.Subresource == "scale" && request.Type.HasScaleSubresource))
        {
            return;
        }

        throw NotFoundPath();
    }

    private static void RequireNamespace(ResourceRequest request)
    {
        if (request.Type.Namespaced && request.Namespace is null)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private static void CheckFieldValidation(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiException.BadRequest(
                $"fieldValidation parameter unsupported: {value}. Valid options are: Ignore, Warn, Strict");
        }
    }

    private static ResourceRequest? Resolve(string group, string version, string[] rest)
    {
        var watchPath = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watchPath = true;
            rest = rest[1..];
        }

        if (rest.Length >= 3 && rest[0] == "namespaces" && ResourceCatalog.Find(group, version, rest[2]) is { Namespaced: true } nsType)
        {
            if (rest.Length > 5)
            {
                return null;
            }

            return new ResourceRequest(nsType, version, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null, watchPath);
        }

        if (rest.Length is 0 or > 3)
        {
            return null;
        }

        var type = ResourceCatalog.Find(group, version, rest[0]);
        if (type is null)
        {
            return null;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        if (type.Namespaced && name is not null)
        {
            // Namespaced kinds are addressed by name only under /namespaces/<ns>/.
            return null;
        }

        return new ResourceRequest(type, version, null, name, rest.Length > 2 ? rest[2] : null, watchPath);
    }

    private async Task GetAsync(HttpContext context, ResourceRequest request)
    {
        if (request.Type == ResourceCatalog.Pods && request.Subresource == "log")
        {
            // Nothing runs in the sandbox; say so where kubectl logs would show output.
            _ = registry.Store.Get(request.Type, request.Namespace, request.Name!) ?? throw ApiException.NotFound(request.Type, request.Name!);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(
                $"[sandbox] pod {request.Namespace}/{request.Name} is a record only: the sandbox runs no containers, so there are no logs.\n",
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        CheckSubresource(request);
        var obj = registry.Store.Get(request.Type, request.Namespace, request.Name!)
            ?? throw ApiException.NotFound(request.Type, request.Name!);
        if (request.Subresource == "scale")
        {
            await WriteJsonAsync(context, 200, ResourceRegistry.ScaleOf(obj)).ConfigureAwait(false);
            return;
        }

        var view = ResourceRegistry.View(request.Type, request.Version, obj);
        var accept = context.Request.Headers.Accept.ToString();
        if (TableRenderer.Wants(accept) && request.Subresource is null)
        {
            var table = TableRenderer.Render(request.Type, [view], TableRenderer.TableVersion(accept), context.Request.Query["includeObject"],
                null, null, time.GetUtcNow());
            await WriteJsonAsync(context, 200, table, TableContentType(accept)).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, view).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labelSel = LabelSelector.Parse(query["labelSelector"]);
        var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
        var (items, rv) = registry.Store.RenderedSnapshot(request.Type, request.Namespace);
        var selected = items.Where(e => labelSel.Matches(e.Labels) && fieldSel.Matches(e.Namespace, e.Name));

        var continueToken = (string?)query["continue"];
        if (!string.IsNullOrEmpty(continueToken))
        {
            var (afterNs, afterName) = DecodeContinue(continueToken);
            selected = selected.Where(e => string.CompareOrdinal(e.Namespace, afterNs) > 0
                || (e.Namespace == afterNs && string.CompareOrdinal(e.Name, afterName) > 0));
        }

        var page = selected.ToList();
        string? next = null;
        long? remaining = null;
        if (long.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && page.Count > limit)
        {
            remaining = page.Count - limit;
            page = page.Take((int)limit).ToList();
            next = EncodeContinue(page[^1].Namespace, page[^1].Name);
        }

        var accept = context.Request.Headers.Accept.ToString();
        if (TableRenderer.Wants(accept))
        {
            var objects = page.Select(e => JsonNode.Parse(e.ObjectJson[request.Version])!.AsObject()).ToList();
            var table = TableRenderer.Render(request.Type, objects, TableRenderer.TableVersion(accept), query["includeObject"], rv, next, time.GetUtcNow());
            await WriteJsonAsync(context, 200, table, TableContentType(accept)).ConfigureAwait(false);
            return;
        }

        // The items are already rendered: the list is written around their bytes.
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", request.Type.ApiVersion(request.Version));
            writer.WriteString("kind", request.Type.Kind + "List");
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", Json.Rv(rv));
            if (next is not null)
            {
                writer.WriteString("continue", next);
            }

            if (remaining is not null)
            {
                writer.WriteNumber("remainingItemCount", remaining.Value);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var e in page)
            {
                writer.WriteRawValue(e.ObjectJson[request.Version], skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject ListOf(ResourceRequest request, IEnumerable<JsonObject> items, long rv, string? next)
    {
        var meta = new JsonObject { ["resourceVersion"] = Json.Rv(rv) };
        if (next is not null)
        {
            meta["continue"] = next;
        }

        return new JsonObject
        {
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["kind"] = request.Type.Kind + "List",
            ["metadata"] = meta,
            ["items"] = new JsonArray([.. items.Select(i => (JsonNode)ResourceRegistry.AsVersion(request.Type, request.Version, i))]),
        };
    }

    private static string EncodeContinue(string ns, string name) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["ns"] = ns, ["name"] = name }.ToJsonString()));

    private static (string Ns, string Name) DecodeContinue(string token)
    {
        try
        {
            var obj = JsonNode.Parse(Convert.FromBase64String(token))!.AsObject();
            return (Json.Str(obj["ns"]) ?? "", Json.Str(obj["name"]) ?? "");
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }

    private async Task PatchAsync(HttpContext context, ResourceRequest request)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var kind = contentType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/strategic-merge-patch+json" => PatchKind.Strategic,
            "application/apply-patch+yaml" => PatchKind.Apply,
            _ => throw ApiException.UnsupportedMediaType(PatchTypes),
        };
        if (kind == PatchKind.Strategic && request.Type.IsCustom && request.Subresource != "scale")
        {
            throw ApiException.UnsupportedMediaType(PatchTypes.Where(t => !t.Contains("strategic", StringComparison.Ordinal)));
        }

        var options = WriteOptionsOf(context, kind == PatchKind.Apply);
        var bytes = await ReadRawAsync(context).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request is empty");
        }

        JsonNode? patch;
        if (kind == PatchKind.Apply)
        {
            var text = Encoding.UTF8.GetString(bytes);
            patch = text.TrimStart().StartsWith('{') ? Body.Parse(bytes) : YamlBody.Parse(text);
        }
        else
        {
            patch = Body.Parse(bytes);
        }

        var (result, created) = registry.Patch(request.Type, request.Version, request.Namespace, request.Name!, request.Subresource,
            kind, patch, options);
        await WriteJsonAsync(context, created ? 201 : 200, result).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, ResourceRequest request)
    {
        if (request.Subresource is not null)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var bytes = await ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false);
        var deleteOptions = bytes.Length > 0 ? Body.Parse(bytes) as JsonObject : null;
        var options = WriteOptionsOf(context, apply: false);
        if (deleteOptions?["dryRun"] is JsonArray dry && dry.Any(d => Json.Str(d) == "All"))
        {
            options = options with { DryRun = true };
        }

        var deleted = registry.Delete(request.Type, request.Version, request.Namespace, request.Name!, deleteOptions, options);
        if (request.Type.IsCustom)
        {
            // Custom resources answer a delete with a Success Status, as the real server does.
            await WriteJsonAsync(context, 200, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = new JsonObject
                {
                    ["name"] = request.Name,
                    ["group"] = request.Type.Group,
                    ["kind"] = request.Type.Plural,
                    ["uid"] = Json.Str(Json.Metadata(deleted)["uid"]),
                },
            }).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, deleted).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labelSel = LabelSelector.Parse(query["labelSelector"]);
        var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
        if (request.Name is not null)
        {
            fieldSel = FieldSelector.Parse($"metadata.name={request.Name}" + (query["fieldSelector"] is { Count: > 0 } f ? "," + f : ""));
        }

        var accept = context.Request.Headers.Accept.ToString();
        var asTable = TableRenderer.Wants(accept);
        var rvText = (string?)query["resourceVersion"];
        long? from = null;
        if (!string.IsNullOrEmpty(rvText) && rvText != "0")
        {
            from = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resource version \"{rvText}\"");
        }

        var bookmarks = IsTrue(query["allowWatchBookmarks"]);

        // Streaming lists (client-go's WatchList): current state as ADDED, then a bookmark marking its end.
        var sendInitialEvents = IsTrue(query["sendInitialEvents"]);
        if (sendInitialEvents)
        {
            from = null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, shutdown);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = asTable ? TableContentType(accept) : "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        var body = context.Response.Body;

        WatchSubscription subscription;
        try
        {
            subscription = registry.Store.Watch(request.Type, request.Namespace, from);
        }
        catch (ApiException gone) when (gone.Code == 410)
        {
            // A watch answers 200 and reports expiry as an ERROR event, like the real server.
            await WriteLineAsync(body, Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = "ERROR",
                ["object"] = gone.ToStatus(),
            }.ToJsonString()), timeout.Token).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            var tableVersion = TableRenderer.TableVersion(accept);
            var firstTable = true;
            async Task SendAsync(StoreEvent e, CancellationToken ct)
            {
                var oldMatches = e.OldLabels is null ? (bool?)null : labelSel.Matches(e.OldLabels);
                var newMatches = labelSel.Matches(e.Labels);
                if (!fieldSel.Matches(e.Namespace, e.Name))
                {
                    return;
                }

                var typeName = e.Kind switch
                {
                    WatchEventKind.Added => newMatches ? "ADDED" : null,
                    WatchEventKind.Deleted => newMatches ? "DELETED" : null,
                    _ => (oldMatches ?? newMatches, newMatches) switch
                    {
                        (true, true) => "MODIFIED",
                        (false, true) => "ADDED",
                        (true, false) => "DELETED",
                        _ => null,
                    },
                };
                if (typeName is null)
                {
                    return;
                }

                var objectBytes = e.ObjectJson[request.Version];
                if (asTable)
                {
                    var obj = JsonNode.Parse(objectBytes)!.AsObject();
                    var table = TableRenderer.Render(request.Type, [obj], tableVersion, query["includeObject"], null, null,
                        time.GetUtcNow(), includeColumns: firstTable);
                    firstTable = false;
                    objectBytes = Json.ToBytes(table);
                }

                await WriteEventAsync(body, typeName, objectBytes, ct).ConfigureAwait(false);
            }

            try
            {
                foreach (var e in subscription.Initial)
                {
                    await SendAsync(e, timeout.Token).ConfigureAwait(false);
                }

                if (sendInitialEvents && bookmarks)
                {
                    await WriteEventAsync(body, "BOOKMARK", Json.ToBytes(Bookmark(request, subscription.StartVersion, initialEventsEnd: true)),
                        timeout.Token).ConfigureAwait(false);
                }

                await body.FlushAsync(timeout.Token).ConfigureAwait(false);
                var reader = subscription.Reader;
                using var bookmarkTimer = bookmarks ? new PeriodicTimer(bookmarkInterval, time) : null;
                Task? bookmarkTick = bookmarkTimer?.WaitForNextTickAsync(timeout.Token).AsTask();
                while (!timeout.IsCancellationRequested)
                {
                    var readTask = reader.WaitToReadAsync(timeout.Token).AsTask();
                    var done = bookmarkTick is null ? await Task.WhenAny(readTask).ConfigureAwait(false)
                        : await Task.WhenAny(readTask, bookmarkTick).ConfigureAwait(false);
                    if (done == bookmarkTick)
                    {
                        subscription.RequestBookmark();
                        bookmarkTick = bookmarkTimer!.WaitForNextTickAsync(timeout.Token).AsTask();
                    }

                    if (!await readTask.ConfigureAwait(false))
                    {
                        break;
                    }

                    while (reader.TryRead(out var item))
                    {
                        if (item.Event is { } e)
                        {
                            await SendAsync(e, timeout.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            await WriteEventAsync(body, "BOOKMARK", Json.ToBytes(Bookmark(request, item.BookmarkVersion, initialEventsEnd: false)),
                                timeout.Token).ConfigureAwait(false);
                        }
                    }

                    await body.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Timeout, client gone, or shutdown: the stream simply ends.
            }
        }
    }

    private static JsonObject Bookmark(ResourceRequest request, long resourceVersion, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = Json.Rv(resourceVersion), ["creationTimestamp"] = null };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject
        {
            ["kind"] = request.Type.Kind,
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["metadata"] = meta,
        };
    }

    private static async Task WriteEventAsync(Stream body, string type, byte[] objectJson, CancellationToken ct)
    {
        var prefix = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        await body.WriteAsync(prefix, ct).ConfigureAwait(false);
        await body.WriteAsync(objectJson, ct).ConfigureAwait(false);
        await body.WriteAsync("}\n"u8.ToArray(), ct).ConfigureAwait(false);
    }

    private static async Task WriteLineAsync(Stream body, byte[] line, CancellationToken ct)
    {
        await body.WriteAsync(line, ct).ConfigureAwait(false);
        await body.WriteAsync(Newline, ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static WriteOptions WriteOptionsOf(HttpContext context, bool apply)
    {
        var query = context.Request.Query;
        var dryRun = query["dryRun"];
        if (dryRun.Count > 0 && dryRun.Any(d => d != "All"))
        {
            throw ApiException.BadRequest($"Invalid dryRun value: {dryRun}; the only valid value is 'All'");
        }

        var manager = (string?)query["fieldManager"];
        if (string.IsNullOrEmpty(manager))
        {
            if (apply)
            {
                throw new ApiException(422, "Invalid",
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                    "", "meta.k8s.io", "PatchOptions",
                    [new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")]);
            }

            // Like the API server: the manager defaults to the user agent's program name.
            var agent = context.Request.Headers.UserAgent.ToString();
            manager = agent.Length == 0 ? "unknown" : agent.Split('/')[0];
        }

        return new WriteOptions(dryRun.Count > 0, manager, IsTrue(query["force"]));
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static string TableContentType(string accept) =>
        $"application/json;as=Table;v={(TableRenderer.TableVersion(accept).EndsWith("v1beta1", StringComparison.Ordinal) ? "v1beta1" : "v1")};g=meta.k8s.io";

    private static async Task<byte[]> ReadRawAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context, bool allowYaml)
    {
        var contentType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        var bytes = await ReadRawAsync(context).ConfigureAwait(false);
        switch (contentType)
        {
            case "application/json" or "":
                return bytes;
            case "application/yaml" when allowYaml:
                var node = YamlBody.Parse(Encoding.UTF8.GetString(bytes));
                return node is null ? [] : Json.ToBytes(node);
            case ProtobufBody.MediaType:
                // kubectl's typed clients (create ns, create deployment, run...) and Helm's release storage send protobuf.
                return bytes.Length == 0 ? [] : Json.ToBytes(ProtobufBody.Decode(bytes));
            default:
                throw ApiException.UnsupportedMediaType(["application/json", "application/yaml", ProtobufBody.MediaType]);
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Json.ToBytes(body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteStatusAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        await WriteJsonAsync(context, error.Code, error.ToStatus()).ConfigureAwait(false);
    }
}

/// <summary>Requests served, in total and per verb, so benchmarks can show what viewers cost the API server.</summary>
public sealed class RequestCounters
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byVerb = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyDictionary<string, long> ByVerb => _byVerb.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    public long this[string verb] => _byVerb.GetValueOrDefault(verb);

    internal void Count(string verb)
    {
        Interlocked.Increment(ref _total);
        _byVerb.AddOrUpdate(verb, 1, (_, n) => n + 1);
    }
}
