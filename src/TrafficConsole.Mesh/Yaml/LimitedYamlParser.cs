using System.Globalization;
using System.Text;

using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TrafficConsole.Mesh.Yaml;

/// <summary>
/// The limits every YAML reader of untrusted text holds to: size, nesting and alias expansion, each refused with a
/// message that names the limit. The sandbox reads its YAML bodies with it too.
/// </summary>
internal static class YamlLimits
{
    /// <summary>The Kubernetes API server's request body limit (3 MiB): no manifest it accepts is larger.</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    /// <summary>
    /// Nested mappings and lists; System.Text.Json's default <c>MaxDepth</c>, which every later step (JsonNode,
    /// JsonSerializer) holds to anyway. YamlDotNet's representation model recurses once per level, so this is also
    /// what keeps a deep document from overflowing the stack.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes aliases may add beyond the document's own: this many, plus as many as the document writes out.</summary>
    public const int AliasNodeAllowance = 10_000;

    /// <summary>Why <paramref name="text"/> is refused for its size (its UTF-8 form is over <see cref="MaxBytes"/>), or null.</summary>
    public static string? SizeError(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Cheap first: a char is at least one UTF-8 byte and at most three.
        return text.Length > MaxBytes || (text.Length * 3L > MaxBytes && Encoding.UTF8.GetByteCount(text) > MaxBytes)
            ? TooLarge(Encoding.UTF8.GetByteCount(text))
            : null;
    }

    /// <summary>The message for a text of <paramref name="bytes"/> bytes (null: more than can be told without reading it all), over <see cref="MaxBytes"/>.</summary>
    public static string TooLarge(long? bytes) => string.Create(CultureInfo.InvariantCulture,
        $"size limit exceeded: the text is {(bytes is { } size ? $"{size} bytes" : "larger than that")}; the limit is {MaxBytes} bytes (3 MiB, the Kubernetes API server's request limit).");
}

/// <summary>
/// A YAML parser that stops, on the event stream and so before anything recursive builds a tree, at the first sign of a
/// document nested deeper than <see cref="YamlLimits.MaxDepth"/>, an alias inside the node it names (a cycle), or aliases
/// that expand beyond their allowance (a "billion laughs" bomb; Kubernetes refuses the same as "excessive aliasing").
/// </summary>
internal sealed class LimitedYamlParser : IParser
{
    private readonly IParser _inner;
    private readonly Stack<(AnchorName Anchor, long NodesBefore)> _open = new();
    private readonly Dictionary<AnchorName, long> _anchorNodes = [];
    private long _written;
    private long _aliased;

    public LimitedYamlParser(TextReader text)
        : this(new Parser(text))
    {
    }

    public LimitedYamlParser(IParser inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    public ParsingEvent? Current => _inner.Current;

    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        switch (_inner.Current)
        {
            case DocumentStart:
                // Anchors are scoped to their document; the node counts run over the whole stream.
                _anchorNodes.Clear();
                break;

            case MappingStart or SequenceStart:
                var start = (NodeEvent)_inner.Current;
                if (_open.Count >= YamlLimits.MaxDepth)
                {
                    throw new YamlLimitException(start.Start, start.End, string.Create(CultureInfo.InvariantCulture,
                        $"nesting limit exceeded: mappings and lists are nested more than {YamlLimits.MaxDepth} levels deep."));
                }

                _open.Push((start.Anchor, Nodes));
                _written++;
                break;

            case MappingEnd or SequenceEnd:
                (AnchorName anchor, long before) = _open.Pop();
                if (!anchor.IsEmpty)
                {
                    _anchorNodes[anchor] = Nodes - before;
                }

                break;

            case Scalar scalar:
                _written++;
                if (!scalar.Anchor.IsEmpty)
                {
                    _anchorNodes[scalar.Anchor] = 1;
                }

                break;

            case AnchorAlias alias:
                if (!_anchorNodes.TryGetValue(alias.Value, out long nodes))
                {
                    if (_open.Any(o => o.Anchor == alias.Value))
                    {
                        throw new YamlLimitException(alias.Start, alias.End,
                            $"the alias *{alias.Value} is inside the node &{alias.Value} it names: the document would contain itself.");
                    }

                    // An unknown anchor: YamlDotNet reports it.
                    nodes = 1;
                }

                _aliased += nodes;
                long allowed = YamlLimits.AliasNodeAllowance + _written;
                if (_aliased > allowed)
                {
                    throw new YamlLimitException(alias.Start, alias.End, string.Create(CultureInfo.InvariantCulture,
                        $"alias limit exceeded: aliases expand to more than {allowed} nodes (at most {YamlLimits.AliasNodeAllowance} more than the {_written} the document writes out)."));
                }

                break;
        }

        return true;
    }

    /// <summary>Nodes of the document with every alias expanded, so far.</summary>
    private long Nodes => _written + _aliased;
}

/// <summary>YAML refused for going over one of <see cref="YamlLimits"/>; <see cref="Reason"/> names the limit.</summary>
internal sealed class YamlLimitException : YamlException
{
    public YamlLimitException()
        : this("A YAML limit was exceeded.")
    {
    }

    public YamlLimitException(string message)
        : base(message)
    {
        Reason = message;
    }

    public YamlLimitException(string message, Exception inner)
        : base(message, inner)
    {
        Reason = message;
    }

    public YamlLimitException(Mark start, Mark end, string reason)
        : base(start, end, reason)
    {
        Reason = reason;
    }

    /// <summary>The message without YamlDotNet's position prefix.</summary>
    public string Reason { get; }
}
