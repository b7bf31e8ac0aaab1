using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using TrafficConsole.Cluster;
using TrafficConsole.Web.Api;
using TrafficConsole.Web.Auth;
using TrafficConsole.Web.Components;
using TrafficConsole.Web.Hubs;
using TrafficConsole.Web.Services;

namespace TrafficConsole.Web.Hosting;

/// <summary>
/// Builds the console's web host. Program.cs runs it; tests build the very same host with
/// their own settings (see <c>ConsoleTestHost</c> in the web tests).
/// </summary>
public static class ConsoleApp
{
    /// <summary>Used when neither ASPNETCORE_URLS, --urls nor Kestrel endpoints say otherwise.</summary>
    public const string DefaultUrl = "http://localhost:5000";

    /// <summary>Builds the host; <paramref name="configure"/> runs before services are added (tests add settings there).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Fixed so static web assets resolve when the host runs inside a test process too.
            ApplicationName = typeof(ConsoleApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        UseDefaultUrl(builder);

        builder.AddConsoleLogging();
        AddServices(builder.Services, builder.Configuration);

        WebApplication app = builder.Build();
        Configure(app);
        return app;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.SectionName);
        services.AddConsoleMetrics();
        // The embedded sandbox before the cluster layer: hosted services start in registration order (the sandbox first,
        // connecting the cluster layer) and stop in reverse (the sandbox after the cache and the history recorder).
        services.AddEmbeddedSandbox();
        services.AddTrafficConsoleCluster(configuration);
        // After the cluster layer: data protection's hosted start-up key ring load then finds the connection connected.
        services.AddConsoleDataProtection();
        services.AddConsoleAuth(configuration);

        services.AddSingleton<IActorAccessor, ActorAccessor>();
        services.AddConsoleTelemetry(configuration);
        services.AddTrafficService();

        services.AddProblemDetails();
        services.AddExceptionHandler<RequestRejections>();
        services.Configure<JsonOptions>(static o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi(static o => o.AddDocumentTransformer(static (document, _, _) =>
        {
            document.Info.Title = "TrafficConsole API";
            document.Info.Description = "Read and shift the traffic split of services on an Istio mesh.";
            return Task.CompletedTask;
        }));
        services.AddSignalR().AddJsonProtocol(static o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddConsoleHealthChecks();
        services.AddConsoleUi();

        // After the cluster layer: hosted services start in order, and this one needs the cache.
        services.AddHostedService<HubBroadcaster>();
    }

    private static void Configure(WebApplication app)
    {
        // First, so that every answer the app gives carries the headers, the exception handler's 500s and 413s included.
        app.UseSecurityHeaders();
        // Outside the exception handler, so each request is logged with the status the client got (a rejected body's 413,
        // not the 500 of the exception on its way); the handler logs the exceptions it does not answer itself.
        app.UseConsoleRequestLogging();
        app.UseExceptionHandler();
        app.UseRestStatusCodePages();
        app.UseConsoleAssets();
        app.UseRouting();
        app.UseConsoleHttpMetrics();
        app.UseConsoleAuth();

        app.MapOpenApi().AsRest();
        app.MapConsoleHealthChecks();
        app.MapConsoleMetrics();
        app.MapTrafficApi();
        app.MapRoutingApi();
        app.MapHistoryApi();
        app.MapTelemetryApi();
        app.MapHub<TrafficHub>(TrafficHub.Path);
        app.MapSignIn();
        app.MapConsoleUi();
    }

    /// <summary>
    /// REST answers without a body (404 of an unknown path, 405) get a problem document; pages keep theirs. Decided as the
    /// answer leaves, when routing has said whether the request reached the REST API (<see cref="RestApi.Serves"/>).
    /// </summary>
    private static void UseRestStatusCodePages(this WebApplication app)
    {
        StatusCodePagesOptions options = new();
        Func<StatusCodeContext, Task> problem = options.HandleAsync;
        options.HandleAsync = context => RestApi.Serves(context.HttpContext) ? problem(context) : Task.CompletedTask;
        app.UseStatusCodePages(options);
    }

    private static void UseDefaultUrl(WebApplicationBuilder builder)
    {
        ConfigurationManager config = builder.Configuration;
        bool configured = !string.IsNullOrEmpty(config["urls"])
            || !string.IsNullOrEmpty(config["http_ports"])
            || !string.IsNullOrEmpty(config["https_ports"])
            || config.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }
}
