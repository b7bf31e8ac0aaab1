using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Auth;
using TrafficConsole.Sandbox.Patching;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>The review kinds, which are only ever created and never stored: each answers a question about the caller.</summary>
internal sealed class ReviewEndpoints(Authenticator authenticator, RbacAuthorizer authorizer, RequestCounters counters)
{
    /// <summary>
    /// Access reviews, rules reviews, whoami and token reviews, answered by the same authenticator and authorizer that
    /// decide every request.
    /// </summary>
    public async Task CreateAsync(HttpContext context, ResourceRequest request)
    {
        counters.Count("create");
        var review = Body.ParseObject(await Wire.ReadBodyAsync(context, allowYaml: true).ConfigureAwait(false));
        review["apiVersion"] = request.Type.ApiVersion(request.Version);
        review["kind"] = request.Type.Kind;
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        var spec = review["spec"] as JsonObject ?? [];
        var user = RequestIdentity.Of(context).User;
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

        await Wire.WriteJsonAsync(context, 201, review).ConfigureAwait(false);
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
}
