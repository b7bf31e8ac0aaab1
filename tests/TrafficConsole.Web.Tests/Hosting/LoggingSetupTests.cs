using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;

using Microsoft.Extensions.Logging;

using Serilog.Events;
using Serilog.Parsing;

using TrafficConsole.Cluster.Cache;
using TrafficConsole.Sandbox;
using TrafficConsole.Web.Hosting;

namespace TrafficConsole.Web.Tests.Hosting;

/// <summary>The console's log cannot be forged or garbled: one event is one line, and every template property is supplied.</summary>
public sealed class LoggingSetupTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_value_with_CR_LF_is_one_escaped_line_in_the_text_log_and_no_line_prints_a_literal_Namespace()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using HttpClient client = host.CreateClient();
        const string forged = "v1\r\n[12:00:00 INF] TrafficConsole.Web.Services.TrafficService: mallory changed traffic of bookinfo/reviews";

        // An apply: the audit line, the writer's line and the history recorder's line each name the namespace.
        (HttpResponseMessage applied, JsonElement body) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic",
            """{ "weights": { "v1": 50, "v2": 50, "v3": 0 } }""");
        Assert.True(applied.StatusCode == HttpStatusCode.OK, body.ToString());
        // A version name and a revision that try to start a line of their own.
        string attempt = JsonSerializer.Serialize(new { weights = new Dictionary<string, int> { [forged] = 100 }, revision = forged });
        (HttpResponseMessage refused, _) = await HttpJson.PutAsync(client, "api/v1/namespaces/bookinfo/services/reviews/traffic", attempt);
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);

        LogEvent carrying = await WaitForEventAsync(host, e => e.Properties.Values.SelectMany(Strings).Any(s => s.Contains("\r\n[12:00:00 INF]", StringComparison.Ordinal)));
        await WaitForEventAsync(host, e => e.MessageTemplate.Text.StartsWith("Recorded revision", StringComparison.Ordinal));

        Serilog.Formatting.ITextFormatter formatter = SingleLineTextFormatter.ForConsole();
        foreach (LogEvent logEvent in host.Log.Events)
        {
            string text = Format(formatter, logEvent);
            Assert.DoesNotContain("{Namespace}", text, StringComparison.Ordinal);
            if (logEvent.Exception is null)
            {
                Assert.True(text.TrimEnd('\r', '\n').IndexOfAny(['\r', '\n']) < 0, $"more than one line: {text}");
            }
        }

        string line = Format(formatter, carrying);
        Assert.Contains(@"v1\r\n[12:00:00 INF] TrafficConsole.Web.Services.TrafficService: mallory", line, StringComparison.Ordinal);
        Assert.Equal(1, line.Count(static c => c == '\n'));
    }

    [Fact]
    public void An_exception_follows_on_indented_lines_so_none_of_them_passes_for_an_event()
    {
        LogEvent logEvent = new(DateTimeOffset.UtcNow, LogEventLevel.Warning, new InvalidOperationException("boom\n[12:00:00 INF] forged"),
            new MessageTemplateParser().Parse("Write of {Name} failed"), [new LogEventProperty("Name", new ScalarValue("a\u0085b\u2028c\u0000d"))]);

        string text = Format(SingleLineTextFormatter.ForConsole(), logEvent);

        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.StartsWith("[", lines[0], StringComparison.Ordinal);
        Assert.Contains(@"Write of a\u0085b\u2028c\u0000d failed", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), static l => Assert.StartsWith("    ", l, StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.Contains("boom", StringComparison.Ordinal));
    }

    /// <summary>
    /// Serilog finds a template's properties by exact name; the logging source generator names the property of a parameter
    /// written <c>@namespace</c> (a keyword) after the parameter, so <c>{Namespace}</c> printed as a literal <c>{Namespace}</c>. Every [LoggerMessage]
    /// method of the console, the cluster layer and the sandbox is called here and must supply each of its template's names.
    /// </summary>
    [Fact]
    public void Every_LoggerMessage_method_supplies_each_property_its_template_names()
    {
        List<string> missing = [];
        int checkedMethods = 0;
        foreach (MethodInfo method in new[] { typeof(ConsoleApp).Assembly, typeof(MeshCache).Assembly, typeof(SandboxServer).Assembly }
                     .SelectMany(static a => a.GetTypes())
                     .SelectMany(static t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                     .Where(static m => m.GetCustomAttribute<LoggerMessageAttribute>() is not null && !m.ContainsGenericParameters))
        {
            StateLogger logger = new();
            method.Invoke(method.IsStatic ? null : WithLogger(method.DeclaringType!, logger), [.. method.GetParameters().Select(p => Sample(p.ParameterType, logger))]);
            IReadOnlyList<KeyValuePair<string, object?>> state = Assert.Single(logger.States);
            string template = (string)state.Single(static kv => kv.Key == "{OriginalFormat}").Value!;
            foreach (PropertyToken token in new MessageTemplateParser().Parse(template).Tokens.OfType<PropertyToken>())
            {
                // Serilog's logger provider reads a leading '@' ('$') of a key as "destructure" ("stringify") and drops it.
                if (!state.Any(kv => string.Equals(kv.Key.TrimStart('@', '$'), token.PropertyName, StringComparison.Ordinal)))
                {
                    missing.Add($"{method.DeclaringType!.Name}.{method.Name}: {{{token.PropertyName}}} (supplied: {string.Join(", ", state.Select(static kv => kv.Key))})");
                }
            }

            checkedMethods++;
        }

        Assert.True(checkedMethods > 20, $"only {checkedMethods} [LoggerMessage] methods found");
        Assert.True(missing.Count == 0, string.Join(Environment.NewLine, missing));
    }

    private static object WithLogger(Type type, StateLogger logger)
    {
        object instance = RuntimeHelpers.GetUninitializedObject(type);
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(new StateLoggerProvider(logger)).SetMinimumLevel(LogLevel.Trace));
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType == typeof(ILogger))
                {
                    field.SetValue(instance, logger);
                }
                else if (field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(ILogger<>))
                {
                    field.SetValue(instance, Activator.CreateInstance(typeof(Logger<>).MakeGenericType(field.FieldType.GetGenericArguments()), factory));
                }
            }
        }

        return instance;
    }

    private static object? Sample(Type type, StateLogger logger) =>
        type == typeof(ILogger) ? logger
        : type == typeof(Exception) ? new InvalidOperationException("sample")
        : type == typeof(string) ? "sample"
        : type == typeof(Uri) ? new Uri("http://127.0.0.1/")
        : type.IsValueType ? Activator.CreateInstance(type)
        : null;

    private static IEnumerable<string> Strings(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } => [s],
        SequenceValue sequence => sequence.Elements.SelectMany(Strings),
        StructureValue structure => structure.Properties.SelectMany(static p => Strings(p.Value)),
        DictionaryValue dictionary => dictionary.Elements.SelectMany(static e => Strings(e.Value)),
        _ => [],
    };

    private static string Format(Serilog.Formatting.ITextFormatter formatter, LogEvent logEvent)
    {
        using StringWriter writer = new(System.Globalization.CultureInfo.InvariantCulture);
        formatter.Format(logEvent, writer);
        return writer.ToString();
    }

    private static async Task<LogEvent> WaitForEventAsync(ConsoleTestHost host, Func<LogEvent, bool> match)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            if (host.Log.Events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No such log event within {Bound.TotalSeconds} s; the log:{Environment.NewLine}{host.Log.RenderAll()}");
    }

    private sealed class StateLogger : ILogger
    {
        public List<IReadOnlyList<KeyValuePair<string, object?>>> States { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
            {
                States.Add([.. pairs]);
            }
        }
    }

    private sealed class StateLoggerProvider(StateLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
