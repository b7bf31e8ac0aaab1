using TrafficConsole.Cluster.Identity;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace TrafficConsole.Web.Hosting;

/// <summary>Serilog as the only logging pipeline: readable console by default, compact JSON with <c>Logging:Format=json</c>.</summary>
internal static class LoggingSetup
{
    public const string FormatKey = "Logging:Format";

    private const string ReadableTemplate =
        "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

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
                logger.WriteTo.Console(outputTemplate: ReadableTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
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
