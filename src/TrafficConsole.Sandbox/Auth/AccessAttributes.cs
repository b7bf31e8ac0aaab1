using System.Collections.Immutable;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>
/// What a request asks to do, as kube-apiserver's authorizer.Attributes: a verb on a resource (group, resource,
/// subresource, namespace, name) or on a non-resource path.
/// </summary>
internal sealed record AccessAttributes(UserInfo User, string Verb, string ApiGroup = "", string Resource = "", string Subresource = "",
    string Namespace = "", string Name = "", string? Path = null)
{
    public bool IsResourceRequest => Path is null;

    /// <summary>"deployments/scale" or "deployments".</summary>
    public string ResourceWithSubresource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";

    /// <summary>The 403 kube-apiserver answers when the authorizer says no (responsewriters.Forbidden + errors.NewForbidden).</summary>
    public ApiException Forbidden(string reason = "")
    {
        var message = !IsResourceRequest
            ? $"User \"{User.Name}\" cannot {Verb} path \"{Path}\""
            : Namespace.Length > 0
                ? $"User \"{User.Name}\" cannot {Verb} resource \"{ResourceWithSubresource}\" in API group \"{ApiGroup}\" in the namespace \"{Namespace}\""
                : $"User \"{User.Name}\" cannot {Verb} resource \"{ResourceWithSubresource}\" in API group \"{ApiGroup}\" at the cluster scope";
        if (reason.Length > 0)
        {
            message += ": " + reason;
        }

        if (!IsResourceRequest || Resource.Length == 0)
        {
            return new ApiException(403, "Forbidden", $"forbidden: {message}");
        }

        var groupResource = ApiGroup.Length == 0 ? Resource : $"{Resource}.{ApiGroup}";
        return Name.Length == 0
            ? new ApiException(403, "Forbidden", $"{groupResource} is forbidden: {message}", null, NullIfEmpty(ApiGroup), Resource)
            : new ApiException(403, "Forbidden", $"{groupResource} \"{Name}\" is forbidden: {message}", Name, NullIfEmpty(ApiGroup), Resource);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>The authorizer's answer: allowed or not, and why (the rule's binding, as RBAC says it).</summary>
internal readonly record struct AuthorizationDecision(bool Allowed, string Reason);

/// <summary>One RBAC rule (rbac.authorization.k8s.io/v1 PolicyRule).</summary>
internal sealed record PolicyRule(ImmutableArray<string> Verbs, ImmutableArray<string> ApiGroups, ImmutableArray<string> Resources,
    ImmutableArray<string> ResourceNames, ImmutableArray<string> NonResourceUrls)
{
    /// <summary>Rule matching as k8s.io/kubernetes/pkg/apis/rbac/v1 RuleAllows / NonResourceURLMatches.</summary>
    public bool Allows(AccessAttributes request)
    {
        if (!Has(Verbs, request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            foreach (var url in NonResourceUrls)
            {
                if (url == "*" || url == request.Path || (url.EndsWith('*') && request.Path!.StartsWith(url[..^1], StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            return false;
        }

        if (!Has(ApiGroups, request.ApiGroup))
        {
            return false;
        }

        var combined = request.ResourceWithSubresource;
        var resourceMatches = false;
        foreach (var resource in Resources)
        {
            if (resource == "*" || resource == combined
                || (request.Subresource.Length > 0 && resource == "*/" + request.Subresource))
            {
                resourceMatches = true;
                break;
            }
        }

        if (!resourceMatches)
        {
            return false;
        }

        return ResourceNames.IsEmpty || ResourceNames.Contains(request.Name, StringComparer.Ordinal);
    }

    private static bool Has(ImmutableArray<string> values, string value)
    {
        foreach (var v in values)
        {
            if (v == "*" || v == value)
            {
                return true;
            }
        }

        return false;
    }
}
