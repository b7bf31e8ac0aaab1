using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Validation;

using static TrafficConsole.Mesh.Routing.HttpRouteReader;

namespace TrafficConsole.Mesh.Routing;

/// <summary>How a rule's filters are written back: the mirror, the header modifiers and the timeouts, each over what was read.</summary>
public static partial class HttpRoutePlanner
{
    private static List<HttpRouteFilter>? BuildFilters(IReadOnlyList<HttpRouteFilter>? origin, RouteRule rule, RouteRule? read, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        List<HttpRouteFilter> filters = [.. origin ?? []];
        Replace(filters, RequestHeaderModifier, "requestHeaderModifier", rule.RequestHeaders, read?.RequestHeaders);
        Replace(filters, ResponseHeaderModifier, "responseHeaderModifier", rule.ResponseHeaders, read?.ResponseHeaders);
        ReplaceMirror(filters, rule.Destinations.Mirror, read?.Destinations.Mirror, at, route, view, problems);

        // The last filter removed: leave the field out, as the rule was before it had any (an explicit [] stays).
        return filters.Count == 0 && (origin is null || origin.Count > 0) ? null : filters;
    }

    /// <summary>Writes the rule's mirror as its RequestMirror filter (keeping the filter's other fields and place).</summary>
    private static void ReplaceMirror(List<HttpRouteFilter> filters, MirrorTarget? wanted, MirrorTarget? read, string at, HttpRoute route, ServiceView view, List<string> problems)
    {
        if (Equals(wanted, read))
        {
            return;
        }

        int index = filters.FindIndex(static f => f.Type == RequestMirror);
        if (index >= 0 && read is null)
        {
            problems.Add($"{at}.destinations.mirror: the rule already has a RequestMirror filter that is not a mirror to one version; remove it first.");
            return;
        }

        if (wanted is null)
        {
            filters.RemoveAt(index);
            return;
        }

        if (FieldRules.PercentProblem(wanted.Percent) is { } percentProblem)
        {
            problems.Add($"{at}.destinations.mirror.percent: {percentProblem}");
            return;
        }

        if (BackendFor(view, wanted.Version) is not { } name)
        {
            problems.Add($"{at}.destinations.mirror: no Service selects only version {wanted.Version} of {view.Name}; a mirror backend must be a Service.");
            return;
        }

        JsonObject mirror = index >= 0 && filters[index].Extra is { } extra && extra.TryGetValue(RequestMirrorField, out JsonElement existing) && existing.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(existing.GetRawText())!.AsObject()
            : [];
        JsonObject backendRef = mirror["backendRef"] as JsonObject ?? [];
        backendRef["name"] = name;
        if (backendRef["port"] is null && PortOf(null, route, view) is int port)
        {
            backendRef["port"] = port;
        }

        mirror["backendRef"] = backendRef.DeepClone();
        mirror.Remove("percent");
        mirror.Remove("fraction");
        if (wanted.Percent != 100)
        {
            if (wanted.Percent == Math.Floor(wanted.Percent))
            {
                mirror["percent"] = (int)wanted.Percent;
            }
            else
            {
                mirror["fraction"] = new JsonObject { ["numerator"] = (int)Math.Round(wanted.Percent * 100), ["denominator"] = 10000 };
            }
        }

        var fields = new Dictionary<string, JsonElement>(index >= 0 && filters[index].Extra is { } old ? old : new Dictionary<string, JsonElement>(), StringComparer.Ordinal)
        {
            [RequestMirrorField] = JsonSerializer.SerializeToElement(mirror, MeshJson.Options),
        };
        HttpRouteFilter filter = (index >= 0 ? filters[index] : new HttpRouteFilter { Type = RequestMirror }) with { Extra = fields };
        if (index >= 0)
        {
            filters[index] = filter;
        }
        else
        {
            filters.Add(filter);
        }
    }

    private static void Replace(List<HttpRouteFilter> filters, string type, string field, HeaderRewrite? wanted, HeaderRewrite? read)
    {
        if (SameHeaders(wanted, read))
        {
            return;
        }

        int index = filters.FindIndex(f => f.Type == type);
        if (wanted is null || wanted.IsEmpty)
        {
            if (index >= 0)
            {
                filters.RemoveAt(index);
            }

            return;
        }

        var modifier = new JsonObject();
        if (!wanted.Set.IsEmpty)
        {
            modifier["set"] = NameValueArray(wanted.Set);
        }

        if (!wanted.Add.IsEmpty)
        {
            modifier["add"] = NameValueArray(wanted.Add);
        }

        if (!wanted.Remove.IsDefaultOrEmpty)
        {
            modifier["remove"] = new JsonArray([.. wanted.Remove.Select(static r => (JsonNode?)JsonValue.Create(r))]);
        }

        var extra = new Dictionary<string, JsonElement>(index >= 0 && filters[index].Extra is { } old ? old : new Dictionary<string, JsonElement>(), StringComparer.Ordinal)
        {
            [field] = JsonSerializer.SerializeToElement(modifier, MeshJson.Options),
        };
        HttpRouteFilter filter = (index >= 0 ? filters[index] : new HttpRouteFilter { Type = type }) with { Extra = extra };
        if (index >= 0)
        {
            filters[index] = filter;
        }
        else
        {
            filters.Add(filter);
        }
    }

    private static JsonArray NameValueArray(ImmutableDictionary<string, string> values) =>
        [.. values.OrderBy(static kv => kv.Key, StringComparer.Ordinal).Select(static kv => (JsonNode?)new JsonObject { ["name"] = kv.Key, ["value"] = kv.Value })];

    private static IDictionary<string, JsonElement>? WithTimeout(IDictionary<string, JsonElement>? extra, string? wanted, string? read)
    {
        if (string.Equals(wanted, read, StringComparison.Ordinal))
        {
            return extra;
        }

        var copy = extra is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(extra, StringComparer.Ordinal);
        JsonObject timeouts = copy.TryGetValue(TimeoutsField, out JsonElement existing) && existing.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(existing.GetRawText())!.AsObject()
            : [];
        if (wanted is null)
        {
            timeouts.Remove("request");
        }
        else
        {
            timeouts["request"] = wanted;
        }

        if (timeouts.Count == 0)
        {
            copy.Remove(TimeoutsField);
        }
        else
        {
            copy[TimeoutsField] = JsonSerializer.SerializeToElement(timeouts, MeshJson.Options);
        }

        return copy.Count == 0 ? null : copy;
    }
}
