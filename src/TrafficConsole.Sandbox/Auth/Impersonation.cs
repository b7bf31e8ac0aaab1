using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Auth;

/// <summary>
/// kube-apiserver's impersonation filter: <c>Impersonate-User</c>, <c>Impersonate-Group</c> (repeatable) and
/// <c>Impersonate-Uid</c> (and <c>Impersonate-Extra-*</c>), each allowed only when the caller may <c>impersonate</c> that
/// user (or service account), group, uid and extra.
/// </summary>
internal static class Impersonation
{
    private const string UserHeader = "Impersonate-User";
    private const string GroupHeader = "Impersonate-Group";
    private const string UidHeader = "Impersonate-Uid";
    private const string ExtraPrefix = "Impersonate-Extra-";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <summary>The identity the request runs as: the caller, or whom it impersonates; 403 or 400 when it may not.</summary>
    public static UserInfo Apply(HttpRequest request, UserInfo caller, RbacAuthorizer authorizer, Action<AccessAttributes> denied)
    {
        var headers = request.Headers;
        var user = (string?)headers[UserHeader];
        var groups = headers[GroupHeader];
        var uid = (string?)headers[UidHeader];
        if (string.IsNullOrEmpty(user))
        {
            if (groups.Count > 0 || !string.IsNullOrEmpty(uid) || headers.Keys.Any(k => k.StartsWith(ExtraPrefix, StringComparison.OrdinalIgnoreCase)))
            {
                throw ApiException.BadRequest(
                    $"requested impersonation of {(groups.Count > 0 ? "groups" : !string.IsNullOrEmpty(uid) ? "a uid" : "extras")} without impersonating a user");
            }

            return caller;
        }

        void Check(AccessAttributes attributes)
        {
            if (!authorizer.Authorize(attributes).Allowed)
            {
                denied(attributes);
                throw attributes.Forbidden();
            }
        }

        var impersonatedGroups = new List<string>();
        if (user.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && user[ServiceAccountPrefix.Length..].Split(':') is [var ns, var sa])
        {
            Check(new AccessAttributes(caller, "impersonate", "", "serviceaccounts", "", ns, sa));
            if (groups.Count == 0)
            {
                impersonatedGroups.AddRange(["system:serviceaccounts", $"system:serviceaccounts:{ns}"]);
            }
        }
        else
        {
            Check(new AccessAttributes(caller, "impersonate", "", "users", "", "", user));
        }

        foreach (var group in groups)
        {
            if (!string.IsNullOrEmpty(group))
            {
                Check(new AccessAttributes(caller, "impersonate", "", "groups", "", "", group));
                impersonatedGroups.Add(group);
            }
        }

        if (!string.IsNullOrEmpty(uid))
        {
            Check(new AccessAttributes(caller, "impersonate", "authentication.k8s.io", "uids", "", "", uid));
        }

        // Extras are authorized as kube-apiserver does (userextras/<key>), then dropped: nothing in the sandbox reads them.
        foreach (var (name, values) in headers.Where(h => h.Key.StartsWith(ExtraPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            var key = Uri.UnescapeDataString(name[ExtraPrefix.Length..]).ToLowerInvariant();
            foreach (var value in values)
            {
                Check(new AccessAttributes(caller, "impersonate", "authentication.k8s.io", "userextras", key, "", value ?? ""));
            }

            headers.Remove(name);
        }

        headers.Remove(UserHeader);
        headers.Remove(GroupHeader);
        headers.Remove(UidHeader);
        if (user == UserInfo.Anonymous.Name)
        {
            if (!impersonatedGroups.Contains(UserInfo.UnauthenticatedGroup, StringComparer.Ordinal))
            {
                impersonatedGroups.Add(UserInfo.UnauthenticatedGroup);
            }

            return new UserInfo(user, uid ?? "", [.. impersonatedGroups.Distinct(StringComparer.Ordinal)]);
        }

        return UserInfo.Authenticated(user, uid ?? "", impersonatedGroups);
    }
}
