using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>One entry of Status.details.causes: which field is wrong and why.</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A failure answered as a Kubernetes <c>Status</c> object. Handlers throw it and the request pipeline
/// turns it into the response, the way the API server's REST handlers return errors.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, string? name = null, string? group = null,
        string? kind = null, ImmutableArray<StatusCause> causes = default, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Name = name;
        Group = group;
        Kind = kind;
        Causes = causes.IsDefault ? [] : causes;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public ApiException()
        : this(500, "InternalError", "internal error")
    {
    }

    public ApiException(string message)
        : this(500, "InternalError", message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
        Causes = [];
    }

    public int Code { get; }

    public string Reason { get; }

    public string? Name { get; }

    public string? Group { get; }

    public string? Kind { get; }

    public ImmutableArray<StatusCause> Causes { get; }

    public int? RetryAfterSeconds { get; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Name is not null || Group is not null || Kind is not null || Causes.Length > 0 || RetryAfterSeconds is not null)
        {
            var details = new JsonObject();
            if (Name is not null)
            {
                details["name"] = Name;
            }

            if (Group is not null)
            {
                details["group"] = Group;
            }

            if (Kind is not null)
            {
                details["kind"] = Kind;
            }

            if (Causes.Length > 0)
            {
                details["causes"] = new JsonArray([.. Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                })]);
            }

            if (RetryAfterSeconds is { } retry)
            {
                details["retryAfterSeconds"] = retry;
            }

            status["details"] = details;
        }

        status["code"] = Code;
        return status;
    }

    // Constructors worded like k8s.io/apimachinery/pkg/api/errors.
    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", name, type.Group, type.Plural);

    public static ApiException NamespaceNotFound(string ns) =>
        new(404, "NotFound", $"namespaces \"{ns}\" not found", ns, "", "namespaces");

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", name, type.Group, type.Plural);

    public static ApiException Conflict(ResourceType type, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": {detail}",
            name, type.Group, type.Plural);

    public static ApiException StaleUpdate(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException RequestEntityTooLarge(string message) => new(413, "RequestEntityTooLarge", message);

    public static ApiException Invalid(ResourceType type, string name, ImmutableArray<StatusCause> causes)
    {
        var list = string.Join(", ", causes.Select(c => c.Message.StartsWith(c.Field + ":", StringComparison.Ordinal)
            ? c.Message : $"{c.Field}: {c.Message}"));
        var summary = causes.Length == 1 ? list : $"[{list}]";
        return new(422, "Invalid", $"{type.Kind}.{type.Group} \"{name}\" is invalid: {summary}".Replace(
                $"{type.Kind}. \"", $"{type.Kind} \"", StringComparison.Ordinal),
            name, type.Group, type.Kind, causes);
    }

    public static ApiException UnsupportedMediaType(IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");

    public static ApiException Gone(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");
}
