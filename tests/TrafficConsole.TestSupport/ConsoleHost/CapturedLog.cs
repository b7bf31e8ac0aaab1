using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace TrafficConsole.TestSupport.ConsoleHost;

/// <summary>Keeps every Serilog event the host writes, so tests can check what was logged (and what was not).</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>Events whose message template is exactly <paramref name="template"/>.</summary>
    public IReadOnlyList<LogEvent> WithTemplate(string template) =>
        [.. _events.Where(e => string.Equals(e.MessageTemplate.Text, template, StringComparison.Ordinal))];

    /// <summary>The message as the console shows it (strings unquoted, as the <c>{Message:lj}</c> template does).</summary>
    public static string Literal(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        using StringWriter writer = new(System.Globalization.CultureInfo.InvariantCulture);
        LiteralFormatter.Format(logEvent, writer);
        return writer.ToString();
    }

    private static readonly Serilog.Formatting.Display.MessageTemplateTextFormatter LiteralFormatter = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every event rendered with its properties, one per line (for "never logs X" assertions).</summary>
    public string RenderAll()
    {
        using StringWriter writer = new(System.Globalization.CultureInfo.InvariantCulture);
        foreach (LogEvent e in _events)
        {
            writer.Write(e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
            foreach ((string key, LogEventPropertyValue value) in e.Properties)
            {
                writer.Write($" {key}={value}");
            }

            if (e.Exception is not null)
            {
                writer.Write(" " + e.Exception);
            }

            writer.WriteLine();
        }

        return writer.ToString();
    }
}
