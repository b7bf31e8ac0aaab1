using System.Text.Json;
using System.Text.Json.Serialization;

using Microsoft.AspNetCore.Http.HttpResults;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Api;

/// <summary>The request routing of a service as JSON: the rule editor's intent, with the revision to send back.</summary>
/// <param name="Revision">The routing revision the intent was read at.</param>
/// <param name="ReadOnlyReason">Why the routing cannot be edited (then PUT is refused); null when it can.</param>
/// <param name="Intent">Rules, default route, hosts, gateways and policies; each part read from the cluster carries its <c>origin</c>, so a GET-edit-PUT keeps what the intent does not model.</param>
public sealed record RoutingDocument(string Revision, string? ReadOnlyReason, RoutingIntent Intent);

/// <summary><c>GET/PUT /api/v1/namespaces/{ns}/services/{svc}/routing</c>: the request-routing editor for scripts, on the same service layer.</summary>
internal static class RoutingApi
{
    /// <summary>Enums as their names (<c>"Header"</c>, <c>"Regex"</c>), web casing, the Mesh resource models' own property names.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapRoutingApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder api = endpoints.MapApiGroup("Routing");

        api.MapGet("/namespaces/{ns}/services/{svc}/routing", GetRouting)
            .WithName("GetRouting")
            .WithSummary("A service's request routing (rules, default route, hosts, gateways, policies) with the revision to pass back on PUT.")
            .Produces<RoutingDocument>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/namespaces/{ns}/services/{svc}/routing", PutRoutingAsync)
            .WithName("PutRouting")
            .WithSummary("Sets a service's request routing: { \"revision\": \"...\", \"intent\": { \"rules\": [...], \"defaultRoute\": {...} } }.")
            .WithDescription("With \"revision\", the write is refused with 409 if the service changed since. An invalid intent is refused with 422 naming each field (rules[0].matches[0].conditions[0].value).")
            .Accepts<RoutingDocument>("application/json")
            .Produces<RoutingDocument>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    private static IResult GetRouting(string ns, string svc, ITrafficService traffic) =>
        traffic.GetRouting(ns, svc) is { } routing
            ? Results.Json(new RoutingDocument(routing.Revision, routing.ReadOnlyReason, routing.Intent), JsonOptions)
            : NotFound(ns, svc);

    private static async Task<IResult> PutRoutingAsync(string ns, string svc, HttpContext http, ITrafficService traffic, IActorAccessor actors, CancellationToken cancellationToken)
    {
        PutRoutingBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<PutRoutingBody>(http.Request.Body, JsonOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [ex.Path is { Length: > 2 } path ? path[2..] : "body"] = [$"Not a routing intent: {ex.Message}"] },
                title: "The request body is not a valid routing document.");
        }

        if (body?.Intent is not { } intent)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["intent"] = ["An \"intent\" with \"rules\" and/or a \"defaultRoute\" is required."] },
                title: "The request body is not a valid routing document.");
        }

        if (traffic.GetService(ns, svc) is null)
        {
            return NotFound(ns, svc);
        }

        ChangeOutcome outcome = await traffic.ApplyRoutingAsync(ns, svc, intent, string.IsNullOrEmpty(body.Revision) ? null : body.Revision, actors.ChangeFor(http), cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            // What this write produced; the cache may already hold a later writer's change.
            ChangeOutcome.Applied { Intent: { } written } applied => Results.Json(new RoutingDocument(applied.Revision, applied.IntentProblem, written), JsonOptions),
            ChangeOutcome.Applied => GetRouting(ns, svc, traffic),
            ChangeOutcome.Conflict conflict => TypedResults.Problem(
                title: "The service changed since the revision the change was based on; nothing was written.",
                detail: conflict.Message,
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["revision"] = traffic.GetRouting(ns, svc)?.Revision }),
            ChangeOutcome.Invalid invalid => Results.ValidationProblem(
                invalid.Messages.Where(static m => m.Severity == MessageSeverity.Error)
                    .GroupBy(static m => string.IsNullOrEmpty(m.Path) ? "intent" : m.Path, StringComparer.Ordinal)
                    .ToDictionary(static g => g.Key, static g => g.Select(static m => $"{m.Code} {m.Message}").ToArray(), StringComparer.Ordinal),
                title: "The routing was refused; nothing was written.",
                statusCode: StatusCodes.Status422UnprocessableEntity),
            ChangeOutcome.Forbidden forbidden => TypedResults.Problem(title: "Forbidden", detail: forbidden.Message, statusCode: StatusCodes.Status403Forbidden),
            ChangeOutcome.NotFound notFound => TypedResults.Problem(title: "Not found", detail: notFound.Message, statusCode: StatusCodes.Status404NotFound),
            ChangeOutcome.Unavailable unavailable => TypedResults.Problem(title: "The Kubernetes API server is unavailable", detail: unavailable.Message, statusCode: StatusCodes.Status503ServiceUnavailable),
            _ => throw new InvalidOperationException($"Unknown outcome {outcome.GetType().Name}."),
        };
    }

    private static ProblemHttpResult NotFound(string ns, string svc) =>
        TypedResults.Problem(title: "Service not found", detail: $"Service '{svc}' does not exist in namespace '{ns}'.", statusCode: StatusCodes.Status404NotFound);

    private sealed record PutRoutingBody(string? Revision, RoutingIntent? Intent);
}
