using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace TrafficConsole.Packaging.Tests.Infrastructure;

/// <summary>One rendered Kubernetes object as plain maps, lists and strings, with path look-ups.</summary>
public sealed class Manifest
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public Manifest(IReadOnlyDictionary<string, object?> root)
    {
        Root = root;
    }

    public IReadOnlyDictionary<string, object?> Root { get; }

    public string ApiVersion => Text("apiVersion") ?? string.Empty;

    public string Kind => Text("kind") ?? string.Empty;

    public string Name => Text("metadata", "name") ?? string.Empty;

    public string? Namespace => Text("metadata", "namespace");

    public override string ToString() => $"{Kind} {Namespace}/{Name}";

    public object? At(params string[] path)
    {
        object? node = Root;
        foreach (string key in path)
        {
            node = node is IReadOnlyDictionary<string, object?> map && map.TryGetValue(key, out object? next) ? next : null;
        }

        return node;
    }

    public string? Text(params string[] path) => At(path) as string;

    public IReadOnlyDictionary<string, object?> Map(params string[] path) =>
        At(path) as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();

    public IReadOnlyList<object?> List(params string[] path) => At(path) as IReadOnlyList<object?> ?? [];

    /// <summary>Every object in a multi-document YAML stream (empty documents skipped).</summary>
    public static IReadOnlyList<Manifest> ParseAll(string yaml)
    {
        var result = new List<Manifest>();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Normalize(Deserializer.Deserialize<object?>(parser)) is IReadOnlyDictionary<string, object?> root)
            {
                result.Add(new Manifest(root));
            }
        }

        return result;
    }

    /// <summary>YamlDotNet's object graph with string keys and read-only collections.</summary>
    public static object? Normalize(object? node) => node switch
    {
        IDictionary<object, object?> map => (IReadOnlyDictionary<string, object?>)map.ToDictionary(
            static kv => Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? string.Empty,
            static kv => Normalize(kv.Value),
            StringComparer.Ordinal),
        IList<object?> list => (IReadOnlyList<object?>)list.Select(Normalize).ToList(),
        _ => node,
    };

    public static IReadOnlyList<string> Strings(object? node) =>
        node is IReadOnlyList<object?> list ? [.. list.Select(static o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? string.Empty)] : [];
}

/// <summary>Helpers over a rendered set of objects.</summary>
public static class ManifestSet
{
    public static Manifest One(this IReadOnlyList<Manifest> manifests, string kind) =>
        manifests.Where(m => m.Kind == kind).ToList() is [var one]
            ? one
            : throw new Xunit.Sdk.XunitException($"Expected exactly one {kind}; rendered: {string.Join(", ", manifests)}");

    public static IReadOnlyList<Manifest> OfKind(this IReadOnlyList<Manifest> manifests, string kind) =>
        [.. manifests.Where(m => m.Kind == kind)];
}
