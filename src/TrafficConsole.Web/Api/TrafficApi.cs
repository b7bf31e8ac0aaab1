using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Api;

/// <summary>The REST API under <c>/api/v1</c>: the same service layer the pages use, for scripts and pipelines.</summary>
internal static class TrafficApi
{
    private const string Json = "application/json";

    public static IEndpointRouteBuilder MapTrafficApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder api = endpoints.MapApiGroup("Traffic");

        api.MapGet("/namespaces", ListNamespacesAsync)
            .WithName("ListNamespaces")
            .WithSummary("Namespaces of the cluster whose routing the caller may read, sorted.")
            .Produces<IReadOnlyList<string>>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/namespaces/{ns}/services", ListServices)
            .WithName("ListServices")
            .WithSummary("Services of a namespace, each with its versions and traffic split.")
            .Produces<IReadOnlyList<ServiceDocument>>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/namespaces/{ns}/services/{svc}/traffic", GetTraffic)
            .WithName("GetTraffic")
            .WithSummary("A service's traffic split, with the revision to pass back on PUT or DELETE.")
            .Produces<TrafficDocument>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPut("/namespaces/{ns}/services/{svc}/traffic", PutTrafficAsync)
            .WithName("PutTraffic")
            .WithSummary("Sets a service's traffic split (integer weights summing to 100, optional mirror).")
            .WithDescription("With \"revision\", the write is refused with 409 and the current state if the service changed since.")
            .Accepts<TrafficRequest>(Json)
            .Produces<TrafficDocument>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapDelete("/namespaces/{ns}/services/{svc}/traffic", DeleteTrafficAsync)
            .WithName("DeleteTraffic")
            .WithSummary("Deletes the service's routing resources, returning it to plain Kubernetes load balancing.")
            .Produces<TrafficDocument>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    private static async Task<IResult> ListNamespacesAsync(HttpContext http, ITrafficService traffic)
    {
        return NotReady(traffic) is { } notReady ? notReady : TypedResults.Ok(await ReadAccess.ReadableAsync(http, traffic.Namespaces).ConfigureAwait(false));
    }

    private static IResult ListServices(string ns, ITrafficService traffic)
    {
        if (NotReady(traffic) is { } notReady)
        {
            return notReady;
        }

        if (!traffic.Namespaces.Contains(ns, StringComparer.Ordinal))
        {
            return NamespaceNotFound(ns);
        }

        return TypedResults.Ok(traffic.ListServices(ns).Select(TrafficDocuments.From).ToImmutableArray());
    }

    private static IResult GetTraffic(string ns, string svc, ITrafficService traffic)
    {
        if (Find(traffic, ns, svc, out ServiceDetail? detail) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(TrafficDocuments.From(detail!.Summary.Routing) with { ProxySync = ProxySyncDocument.From(traffic.GetProxySync(ns, svc)) });
    }

    private static async Task<IResult> PutTrafficAsync(
        string ns,
        string svc,
        HttpContext http,
        ITrafficService traffic,
        IActorAccessor actors,
        CancellationToken cancellationToken)
    {
        ParsedTrafficRequest request = await TrafficRequestReader.ReadAsync(http.Request, cancellationToken).ConfigureAwait(false);
        if (!request.IsValid)
        {
            return TypedResults.ValidationProblem(request.Errors, title: "The request body is not a valid traffic split.");
        }

        if (Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        ChangeOutcome outcome = await traffic.ApplyAsync(ns, svc, request.Draft!, request.Revision, actors.ChangeFor(http), cancellationToken).ConfigureAwait(false);
        return ToResult(outcome, traffic, ns, svc);
    }

    private static async Task<IResult> DeleteTrafficAsync(
        string ns,
        string svc,
        [FromQuery] string? revision,
        HttpContext http,
        ITrafficService traffic,
        IActorAccessor actors,
        CancellationToken cancellationToken)
    {
        if (Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        ChangeOutcome outcome = await traffic.DeleteRoutingAsync(ns, svc, string.IsNullOrEmpty(revision) ? null : revision, actors.ChangeFor(http), cancellationToken).ConfigureAwait(false);
        return ToResult(outcome, traffic, ns, svc);
    }

    internal static IResult ToResult(ChangeOutcome outcome, ITrafficService traffic, string ns, string svc) => outcome switch
    {
        // What this write produced; the cache may already hold a later writer's change.
        ChangeOutcome.Applied { Routing: { } written } applied => TypedResults.Ok(TrafficDocuments.From(written) with { ProxySync = ProxySyncDocument.From(applied.ProxySync) }),
        ChangeOutcome.Applied applied => TypedResults.Ok(
            (traffic.GetService(ns, svc) is { } after
                ? TrafficDocuments.From(after.Summary.Routing)
                : new TrafficDocument(applied.Revision, ImmutableSortedDictionary<string, int>.Empty, null, RoutingKind.None)) with { ProxySync = ProxySyncDocument.From(applied.ProxySync) }),
        ChangeOutcome.Conflict conflict => TypedResults.Problem(
            title: "The service changed since the revision the change was based on; nothing was written.",
            detail: conflict.Message,
            statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?>
            {
                ["current"] = (conflict.Current ?? traffic.GetService(ns, svc)) is { } current ? TrafficDocuments.From(current.Summary.Routing) : null,
            }),
        ChangeOutcome.Invalid invalid => Invalid(invalid.Messages),
        ChangeOutcome.Forbidden forbidden => TypedResults.Problem(title: "Forbidden", detail: forbidden.Message, statusCode: StatusCodes.Status403Forbidden),
        ChangeOutcome.NotFound notFound => TypedResults.Problem(title: "Not found", detail: notFound.Message, statusCode: StatusCodes.Status404NotFound),
        ChangeOutcome.Unavailable unavailable => Unavailable(unavailable.Message),
        _ => throw new InvalidOperationException($"Unknown outcome {outcome.GetType().Name}."),
    };

    private static IResult Invalid(ImmutableArray<ValidationMessage> messages)
    {
        Dictionary<string, string[]> errors = messages
            .Where(static m => m.Severity == MessageSeverity.Error)
            .GroupBy(static m => string.IsNullOrEmpty(m.Path) ? "weights" : m.Path, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Select(static m => m.Message).ToArray(), StringComparer.Ordinal);
        return Results.ValidationProblem(
            errors,
            title: "The traffic split was refused; nothing was written.",
            statusCode: StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?>
            {
                ["issues"] = messages.Select(static m => new { m.Code, Severity = m.Severity.ToString(), m.Path, m.Message }).ToArray(),
            });
    }

    internal static ProblemHttpResult? Find(ITrafficService traffic, string ns, string svc, out ServiceDetail? detail)
    {
        detail = null;
        if (NotReady(traffic) is { } notReady)
        {
            return notReady;
        }

        if (!traffic.Namespaces.Contains(ns, StringComparer.Ordinal))
        {
            return NamespaceNotFound(ns);
        }

        detail = traffic.GetService(ns, svc);
        return detail is null
            ? TypedResults.Problem(title: "Service not found", detail: $"Service '{svc}' does not exist in namespace '{ns}'.", statusCode: StatusCodes.Status404NotFound)
            : null;
    }

    internal static ProblemHttpResult NamespaceNotFound(string ns) =>
        TypedResults.Problem(title: "Namespace not found", detail: $"Namespace '{ns}' does not exist in the cluster.", statusCode: StatusCodes.Status404NotFound);

    // Until the cache has synced once there is nothing true to answer (a synced cache always knows
    // at least one namespace); afterwards reads are served from the cache even while it reconnects,
    // as the pages do.
    internal static ProblemHttpResult? NotReady(ITrafficService traffic)
    {
        ConnectionHealth health = traffic.Health;
        return health.State == ConnectionState.Connecting || (health.State != ConnectionState.Connected && traffic.Namespaces.Count == 0)
            ? Unavailable(health.LastError is { } error ? $"The Kubernetes API server is not reachable yet: {error}" : "The console has not synced with the Kubernetes API server yet.")
            : null;
    }

    private static ProblemHttpResult Unavailable(string message) =>
        TypedResults.Problem(title: "The Kubernetes API server is unavailable", detail: message, statusCode: StatusCodes.Status503ServiceUnavailable);
}
