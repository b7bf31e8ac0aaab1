using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;

using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

using TrafficConsole.Mesh.Telemetry;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Model;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Api;

/// <summary>
/// The history REST API under <c>/api/v1</c>: a service's revisions, rollback to a revision or to stable, the
/// rollouts overview (JSON or CSV, what the overview's export buttons link to) and the namespace audit list.
/// </summary>
internal static class HistoryApi
{
    private const string Json = "application/json";
    private const string Csv = "text/csv";

    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder api = endpoints.MapApiGroup("History");

        api.MapGet("/namespaces/{ns}/services/{svc}/revisions", GetRevisions)
            .WithName("ListRevisions")
            .WithSummary("The recorded revisions of a service's routing, newest first, with its stable version.")
            .ReadsHistory()
            .Produces<RevisionListDocument>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/namespaces/{ns}/services/{svc}/rollback", RollbackAsync)
            .WithName("Rollback")
            .WithSummary("Restores a recorded revision ({\"toRevision\": id}) or sends all traffic to the stable version ({\"toStable\": true}).")
            .WithDescription("With \"revision\", the rollback is refused with 409 and the current state if the service changed since.")
            .Accepts<RollbackRequest>(Json)
            .Produces<RollbackDocument>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/namespaces/{ns}/services/{svc}/promote", PromoteAsync)
            .WithName("Promote")
            .WithSummary("Sends all traffic to a version and marks it stable, in one write ({\"version\": \"v2\"}); recorded with the action Promote.")
            .WithDescription("With \"revision\", the promotion is refused with 409 and the current state if the service changed since.")
            .Accepts<PromoteRequest>(Json)
            .Produces<RollbackDocument>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/rollouts", ListRolloutsAsync)
            .WithName("ListRollouts")
            .WithSummary("Every service whose traffic is split or rule-routed (one namespace with ?namespace=), as JSON or with ?format=csv as CSV.")
            .WithDescription("Only namespaces whose routing the caller may read are listed; ?namespace= of another one is refused with 403. Each JSON row carries its observed traffic over ?window= (1m, 5m, 15m, 1h; default 5m) in \"telemetry\", null when telemetry is not configured, did not answer, or measured nothing for it.")
            .Produces<RolloutListDocument>()
            .Produces<string>(StatusCodes.Status200OK, Csv)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/namespaces/{ns}/audit", GetAudit)
            .ReadsHistory()
            .WithName("ListAudit")
            .WithSummary("The changes recorded in a namespace, newest first; filter by actor, service (substrings) and from/to (ISO 8601).")
            .Produces<AuditListDocument>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }

    private static IResult GetRevisions(string ns, string svc, ITrafficService traffic)
    {
        if (TrafficApi.Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        // The service may go between the two reads: then it is not found, as on the next request.
        return traffic.GetHistory(ns, svc) is { } history
            ? TypedResults.Ok(HistoryDocuments.From(history))
            : TypedResults.Problem(title: "Service not found", detail: $"Service '{svc}' does not exist in namespace '{ns}'.", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> RollbackAsync(
        string ns,
        string svc,
        HttpContext http,
        ITrafficService traffic,
        IActorAccessor actors,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        CancellationToken cancellationToken)
    {
        (RollbackRequest? request, IResult? malformed) = await ReadRollbackAsync(http.Request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (malformed is not null)
        {
            return malformed;
        }

        if (request is null)
        {
            return Refused("toRevision", "Send {\"toRevision\": \"<id>\"} or {\"toStable\": true}.");
        }

        bool toStable = request.ToStable == true;
        bool toRevision = !string.IsNullOrWhiteSpace(request.ToRevision);
        if (toStable == toRevision)
        {
            return Refused(toStable ? "toStable" : "toRevision", toStable
                ? "Give either toRevision or toStable, not both."
                : "Give toRevision (a revision id from GET .../revisions) or toStable: true.");
        }

        if (request.Reason is { Length: > ChangeContext.MaxReasonLength } reason)
        {
            return Refused("reason", string.Create(CultureInfo.InvariantCulture, $"The reason is {reason.Length} characters long; at most {ChangeContext.MaxReasonLength} are kept."));
        }

        if (TrafficApi.Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        RollbackTarget target = toStable ? RollbackTarget.Stable : RollbackTarget.Revision(request.ToRevision!.Trim());
        RollbackPreview preview = traffic.PreviewRollback(ns, svc, target);
        ChangeContext change = actors.ChangeFor(http, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason);
        ChangeOutcome outcome = await traffic.RollbackAsync(ns, svc, target, string.IsNullOrEmpty(request.Revision) ? null : request.Revision, change, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            ChangeOutcome.Applied => TrafficApi.ToResult(outcome, traffic, ns, svc) is Microsoft.AspNetCore.Http.HttpResults.Ok<TrafficDocument> ok
                ? TypedResults.Ok(new RollbackDocument(preview.Description, ok.Value!))
                : TrafficApi.ToResult(outcome, traffic, ns, svc),
            ChangeOutcome.Invalid invalid => Refused(invalid.Messages),
            _ => TrafficApi.ToResult(outcome, traffic, ns, svc),
        };
    }

    /// <summary>
    /// The body read by hand rather than by binding, so that a field of the wrong type (<c>"toStable": "yes"</c>) is a 400
    /// naming it, as the traffic PUT does, instead of an exception. No body at all is an empty request (422 says what to send).
    /// </summary>
    private static async Task<(RollbackRequest? Request, IResult? Malformed)> ReadRollbackAsync(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0)
        {
            return (null, null);
        }

        try
        {
            return (await JsonSerializer.DeserializeAsync<RollbackRequest>(request.Body, options, cancellationToken).ConfigureAwait(false), null);
        }
        catch (JsonException ex) when (request.ContentLength is null && ex.LineNumber == 0 && ex.BytePositionInLine == 0)
        {
            // A chunked request without a body.
            return (null, null);
        }
        catch (JsonException ex)
        {
            string field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            string message = field.ToUpperInvariant() switch
            {
                "TOSTABLE" => "toStable must be true or false.",
                "TOREVISION" => "toRevision must be a string: a revision id from GET .../revisions.",
                "REVISION" => "revision must be a string as returned by GET .../revisions.",
                "REASON" => "reason must be a string.",
                _ => "The body must be a JSON object like {\"toRevision\": \"<id>\"} or {\"toStable\": true}.",
            };
            return (null, TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [field] = [message] },
                title: "The request body is not a valid rollback request; nothing was written."));
        }
    }

    private static async Task<IResult> PromoteAsync(
        string ns,
        string svc,
        [FromBody] PromoteRequest? request,
        HttpContext http,
        ITrafficService traffic,
        IActorAccessor actors,
        CancellationToken cancellationToken)
    {
        if (request?.Version is not { } version || string.IsNullOrWhiteSpace(version))
        {
            return Refused("version", "Say which version to promote: {\"version\": \"v2\"}.", "The promotion was refused; nothing was written.");
        }

        if (request.Reason is { Length: > ChangeContext.MaxReasonLength } reason)
        {
            return Refused("reason", string.Create(CultureInfo.InvariantCulture, $"The reason is {reason.Length} characters long; at most {ChangeContext.MaxReasonLength} are kept."), "The promotion was refused; nothing was written.");
        }

        if (TrafficApi.Find(traffic, ns, svc, out _) is { } problem)
        {
            return problem;
        }

        version = version.Trim();
        PromotePreview preview = traffic.PreviewPromote(ns, svc, version);
        ChangeContext change = actors.ChangeFor(http, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason);
        ChangeOutcome outcome = await traffic.PromoteAsync(ns, svc, version, string.IsNullOrEmpty(request.Revision) ? null : request.Revision, change, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            ChangeOutcome.Applied => TrafficApi.ToResult(outcome, traffic, ns, svc) is Microsoft.AspNetCore.Http.HttpResults.Ok<TrafficDocument> ok
                ? TypedResults.Ok(new RollbackDocument(preview.Description, ok.Value!))
                : TrafficApi.ToResult(outcome, traffic, ns, svc),
            ChangeOutcome.Invalid invalid => Refused(invalid.Messages, "The promotion was refused; nothing was written."),
            _ => TrafficApi.ToResult(outcome, traffic, ns, svc),
        };
    }

    private static async Task<IResult> ListRolloutsAsync(
        [FromQuery(Name = "namespace")] string? ns, [FromQuery] string? format, [FromQuery] string? window, HttpContext http, ITrafficService traffic, CancellationToken cancellationToken)
    {
        if (TrafficApi.NotReady(traffic) is { } notReady)
        {
            return notReady;
        }

        if (format is not (null or "" or "json" or "csv"))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["format"] = [$"'{format}' is not a format; use json or csv."] },
                title: "The query is not valid.");
        }

        if (TelemetryApi.ReadWindow(window, out TelemetryWindow telemetryWindow) is { } invalidWindow)
        {
            return invalidWindow;
        }

        // The namespace filter is a namespace read like {ns} in a path: refused before anything is said about it.
        if (!string.IsNullOrEmpty(ns) && await ReadAccess.DeniedAsync(http, ns, ReadScope.Routing).ConfigureAwait(false) is { } denied)
        {
            return ReadAccess.Forbidden(denied);
        }

        if (!string.IsNullOrEmpty(ns) && !traffic.Namespaces.Contains(ns, StringComparer.Ordinal))
        {
            return TrafficApi.NamespaceNotFound(ns);
        }

        IReadOnlyList<RolloutSummary> rollouts = traffic.ListRollouts(string.IsNullOrEmpty(ns) ? null : ns);
        ImmutableArray<string> readable = await ReadAccess.ReadableAsync(http, rollouts.Select(static r => r.Namespace).Distinct(StringComparer.Ordinal)).ConfigureAwait(false);
        HashSet<string> withHistory = [.. await ReadAccess.ReadableAsync(http, readable, ReadScope.History).ConfigureAwait(false)];
        ImmutableArray<RolloutDocument> items =
        [
            .. rollouts.Where(r => readable.Contains(r.Namespace, StringComparer.Ordinal))
                .Select(r => withHistory.Contains(r.Namespace) ? r : r.WithoutHistory())
                .OrderBy(static r => r.Namespace, StringComparer.Ordinal).ThenBy(static r => r.Service, StringComparer.Ordinal)
                .Select(HistoryDocuments.From),
        ];
        if (format != "csv")
        {
            // One reading for every row (the shared monitor's, as the overview page's), never one query per rollout.
            NamespaceTrafficReadout observed = await traffic.ReadNamespaceTrafficAsync(string.IsNullOrEmpty(ns) ? null : ns, telemetryWindow, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new RolloutListDocument(
            [
                .. items.Select(r => observed.Find(r.Namespace, r.Service) is { } measured
                    ? r with { Telemetry = TelemetryDocument.From(r.Namespace, r.Service, measured) }
                    : r),
            ]));
        }

        string file = string.IsNullOrEmpty(ns) ? "rollouts.csv" : $"rollouts-{ns}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(RolloutCsv.Write(items)), $"{Csv}; charset=utf-8", file);
    }

    private static IResult GetAudit(string ns, [FromQuery] string? actor, [FromQuery] string? service, [FromQuery] string? from, [FromQuery] string? to, ITrafficService traffic)
    {
        Dictionary<string, string[]> errors = new(StringComparer.Ordinal);
        DateTimeOffset? start = ParseTime("from", from, errors);
        DateTimeOffset? end = ParseTime("to", to, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query is not valid.");
        }

        if (TrafficApi.NotReady(traffic) is { } notReady)
        {
            return notReady;
        }

        if (!traffic.Namespaces.Contains(ns, StringComparer.Ordinal))
        {
            return TrafficApi.NamespaceNotFound(ns);
        }

        var query = new AuditQuery(string.IsNullOrEmpty(actor) ? null : actor, string.IsNullOrEmpty(service) ? null : service, start, end);
        return TypedResults.Ok(new AuditListDocument(ns, [.. traffic.GetAudit(ns, query).Select(HistoryDocuments.From)]));
    }

    private static DateTimeOffset? ParseTime(string name, string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value))
        {
            return value;
        }

        errors[name] = [$"'{text}' is not a time; use ISO 8601, e.g. 2026-12-01T09:30:00Z."];
        return null;
    }

    private static IResult Refused(string field, string message, string title = RollbackRefused) =>
        Refused([new ValidationMessage(TrafficService.RollbackRefusedCode, MessageSeverity.Error, field, message)], title);

    private const string RollbackRefused = "The rollback was refused; nothing was written.";

    private static IResult Refused(ImmutableArray<ValidationMessage> messages, string title = RollbackRefused)
    {
        Dictionary<string, string[]> errors = messages
            .Where(static m => m.Severity == MessageSeverity.Error)
            .GroupBy(static m => string.IsNullOrEmpty(m.Path) ? "rollback" : m.Path, StringComparer.Ordinal)
            .ToDictionary(static g => g.Key, static g => g.Select(static m => m.Message).ToArray(), StringComparer.Ordinal);
        return Results.ValidationProblem(
            errors,
            title: title,
            statusCode: StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?>
            {
                ["issues"] = messages.Select(static m => new { m.Code, Severity = m.Severity.ToString(), m.Path, m.Message }).ToArray(),
            });
    }
}

/// <summary>The rollouts overview as CSV (RFC 4180: a header row, CRLF line ends, fields with commas, quotes or line breaks quoted; no formulas).</summary>
internal static class RolloutCsv
{
    public static readonly ImmutableArray<string> Header =
    [
        "namespace", "service", "kind", "weights", "mirror", "stable", "stableReason", "inFlightSince", "lastChangedAt", "lastChangedBy", "lastOrigin", "validation", "validationCount", "revision",
    ];

    public static string Write(IEnumerable<RolloutDocument> rows)
    {
        var text = new StringBuilder();
        Line(text, Header);
        foreach (RolloutDocument r in rows)
        {
            Line(text,
            [
                r.Namespace,
                r.Service,
                r.Kind.ToString(),
                string.Join(";", r.Weights.Select(static w => string.Create(CultureInfo.InvariantCulture, $"{w.Key}={w.Value}"))),
                r.Mirror is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m.Version}={m.Percent}") : string.Empty,
                r.Stable.Version ?? string.Empty,
                r.Stable.Explanation,
                Time(r.InFlightSince),
                Time(r.LastChangedAt),
                r.LastChangedBy ?? string.Empty,
                r.LastOrigin?.ToString() ?? string.Empty,
                r.Validation,
                r.ValidationCount.ToString(CultureInfo.InvariantCulture),
                r.Revision,
            ]);
        }

        return text.ToString();
    }

    /// <summary>
    /// One field: a cell a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading <c>'</c> so
    /// it opens as text (OWASP CSV injection); then RFC 4180 quoting for commas, quotes and line breaks, and for semicolons,
    /// the separator of spreadsheets in many locales, so that no part of a field can start a cell of its own there.
    /// </summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            field = "'" + field;
        }

        return field.AsSpan().IndexOfAny(",\"\r\n;") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    private static void Line(StringBuilder text, IEnumerable<string> fields) =>
        text.AppendJoin(',', fields.Select(Escape)).Append("\r\n");

    private static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : string.Empty;
}
