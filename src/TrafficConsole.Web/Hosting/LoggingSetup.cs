using System.Globalization;
using System.Text;

using TrafficConsole.Cluster.Identity;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace TrafficConsole.Web.Hosting;

/// <summary>Serilog as the only logging pipeline: readable console by default, compact JSON with <c>Logging:Format=json</c>.</summary>
internal static class LoggingSetup
{
    public const string FormatKey = "Logging:Format";


    public static void AddConsoleLogging(this WebApplicationBuilder builder)
    {
        bool json = string.Equals(builder.Configuration[FormatKey], "json", StringComparison.OrdinalIgnoreCase);
        // preserveStaticLogger: each host (tests start several in one process) keeps its own logger
        // instead of overwriting the process-wide Log.Logger.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .ReadFrom.Configuration(builder.Configuration)
                // Lets tests (and later, operators) plug sinks and enrichers in through DI.
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Application", "TrafficConsole")
                .Enrich.With<RedactSecretsEnricher>()
                // A cluster identity in a log is its user and groups: a token identity destructured ({@...}) must not spill its token.
                .Destructure.ByTransforming<ClusterIdentity.BearerToken>(static i => i.ToString())
                .Destructure.ByTransforming<ClusterIdentity.Impersonated>(static i => i.ToString());
            if (json)
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(SingleLineTextFormatter.ForConsole());
            }
        });
    }

    public static void UseConsoleRequestLogging(this WebApplication app)
    {
        Serilog.ILogger logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(options =>
        {
            // Without it the middleware writes to the static Log.Logger, not this host's pipeline.
            options.Logger = logger;
            // The default template logs the path without the query string, so SignalR's
            // access_token query parameter never reaches the log; headers are never logged.
            options.EnrichDiagnosticContext = static (context, http) =>
            {
                context.Set("RemoteIp", http.Connection.RemoteIpAddress?.ToString());
                context.Set("UserAgent", http.Request.Headers.UserAgent.ToString());
                if (http.GetEndpoint()?.DisplayName is { } endpoint)
                {
                    context.Set("Endpoint", endpoint);
                }
            };
            options.GetLevel = static (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : HealthEndpoints.IsProbe(http.Request.Path) ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });
    }
}

/// <summary>
/// Last line of defence: a property whose name says it is a secret is logged as "***",
/// whoever logged it.
/// </summary>
internal sealed class RedactSecretsEnricher : ILogEventEnricher
{
    private static readonly string[] SecretMarkers = ["token", "authorization", "password", "secret", "cookie"];

    private static readonly ScalarValue Redacted = new("***");

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<string>? secrets = null;
        foreach (string name in logEvent.Properties.Keys)
        {
            if (IsSecret(name))
            {
                (secrets ??= []).Add(name);
            }
        }

        if (secrets is null)
        {
            return;
        }

        foreach (string name in secrets)
        {
            logEvent.AddOrUpdateProperty(new LogEventProperty(name, Redacted));
        }
    }

    internal static bool IsSecret(string propertyName)
    {
        foreach (string marker in SecretMarkers)
        {
            if (propertyName.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The text sink's formatter: every property value is rendered with its control characters escaped (CR as <c>\r</c>, LF as
/// <c>\n</c>, other C0/C1 controls and Unicode line separators as <c>\uXXXX</c>), so a value such as a version name or a reason
/// with a newline cannot start a line that looks like another event. An exception follows on lines of its own, each indented,
/// so no line of it can pass for an event either.
/// </summary>
public sealed class SingleLineTextFormatter(string outputTemplate, IFormatProvider formatProvider) : ITextFormatter
{
    private const string ReadableTemplate =
        "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}";

    /// <summary>The formatter of the console's text sink (<c>Logging:Format=text</c>).</summary>
    public static ITextFormatter ForConsole() => new SingleLineTextFormatter(ReadableTemplate, CultureInfo.InvariantCulture);

    private static readonly Serilog.Parsing.MessageTemplateParser Parser = new();

    private readonly MessageTemplateTextFormatter _line = new(outputTemplate, formatProvider);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        _line.Format(Escaped(logEvent), output);
        if (logEvent.Exception is { } exception)
        {
            foreach (string line in exception.ToString().Split('\n'))
            {
                output.Write("    ");
                output.Write(Escape(line.TrimEnd('\r')));
                output.Write(Environment.NewLine);
            }
        }
    }

    /// <summary>The event with every property value escaped (the same event when nothing needed it).</summary>
    private static LogEvent Escaped(LogEvent logEvent)
    {
        List<LogEventProperty>? properties = null;
        foreach ((string name, LogEventPropertyValue value) in logEvent.Properties)
        {
            LogEventPropertyValue escaped = Escape(value);
            if (properties is null && !ReferenceEquals(escaped, value))
            {
                properties = [.. logEvent.Properties.TakeWhile(p => p.Key != name).Select(static p => new LogEventProperty(p.Key, p.Value))];
            }

            properties?.Add(new LogEventProperty(name, escaped));
        }

        // A template is a constant in our code; one that is not (a message built from a value) is escaped too.
        MessageTemplate template = NeedsEscaping(logEvent.MessageTemplate.Text) ? Parser.Parse(Escape(logEvent.MessageTemplate.Text)) : logEvent.MessageTemplate;
        return properties is null && ReferenceEquals(template, logEvent.MessageTemplate)
            ? logEvent
            : new LogEvent(logEvent.Timestamp, logEvent.Level, logEvent.Exception, template,
                properties ?? [.. logEvent.Properties.Select(static p => new LogEventProperty(p.Key, p.Value))], logEvent.TraceId ?? default, logEvent.SpanId ?? default);
    }

    private static LogEventPropertyValue Escape(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text }:
                return NeedsEscaping(text) ? new ScalarValue(Escape(text)) : value;
            case ScalarValue { Value: null or bool or sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or DateTime or DateTimeOffset or TimeSpan or Guid }:
                return value;
            case ScalarValue scalar:
                // Anything else renders through its ToString (a Uri, an enum, a record): escape what that would print.
                string rendered = Convert.ToString(scalar.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                return NeedsEscaping(rendered) ? new ScalarValue(Escape(rendered)) : value;
            case SequenceValue sequence:
                LogEventPropertyValue[] elements = [.. sequence.Elements.Select(Escape)];
                return Unchanged(elements, sequence.Elements) ? value : new SequenceValue(elements);
            case StructureValue structure:
                LogEventProperty[] members = [.. structure.Properties.Select(static p => new LogEventProperty(Escape(p.Name), Escape(p.Value)))];
                return Unchanged([.. members.Select(static m => m.Value)], [.. structure.Properties.Select(static p => p.Value)])
                    && members.Select(static m => m.Name).SequenceEqual(structure.Properties.Select(static p => p.Name), StringComparer.Ordinal)
                    ? value
                    : new StructureValue(members, structure.TypeTag is { } tag ? Escape(tag) : null);
            case DictionaryValue dictionary:
                KeyValuePair<ScalarValue, LogEventPropertyValue>[] entries =
                [
                    .. dictionary.Elements.Select(static e => new KeyValuePair<ScalarValue, LogEventPropertyValue>((ScalarValue)Escape(e.Key), Escape(e.Value))),
                ];
                return Unchanged([.. entries.SelectMany(static e => new[] { e.Key, e.Value })], [.. dictionary.Elements.SelectMany(static e => new[] { e.Key, e.Value })])
                    ? value
                    : new DictionaryValue(entries);
            default:
                return value;
        }
    }

    private static bool Unchanged(LogEventPropertyValue[] escaped, IReadOnlyList<LogEventPropertyValue> original) =>
        escaped.Length == original.Count && escaped.Select((e, i) => ReferenceEquals(e, original[i])).All(static same => same);

    private static bool NeedsEscaping(string text)
    {
        foreach (char c in text)
        {
            if (IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsControl(char c) => c < ' ' || c is (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029';

    /// <summary><paramref name="text"/> with CR, LF and tab as <c>\r</c>, <c>\n</c>, <c>\t</c> and other control characters as <c>\uXXXX</c>.</summary>
    private static string Escape(string text)
    {
        if (!NeedsEscaping(text))
        {
            return text;
        }

        StringBuilder escaped = new(text.Length + 8);
        foreach (char c in text)
        {
            _ = c switch
            {
                '\r' => escaped.Append("\\r"),
                '\n' => escaped.Append("\\n"),
                '\t' => escaped.Append("\\t"),
                _ when IsControl(c) => escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }
}
