using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TrafficConsole.Sandbox.Storage;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// The read verbs on resources (GET): get (with the scale subresource and a pod's log), list with selectors, paging and
/// Table output, and watch as a stream of events with bookmarks and streaming lists.
/// </summary>
internal sealed class ReadEndpoints(
    ResourceGate gate,
    ResourceRegistry registry,
    RequestCounters counters,
    TimeSpan bookmarkInterval,
    TimeProvider time,
    CancellationToken shutdown)
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    /// <summary>GET on a resource path: a watch or a list without a name, else a get.</summary>
    public async Task GetAsync(HttpContext context)
    {
        var request = gate.Admit(context);
        var isWatch = ResourceGate.IsWatch(context, request);
        if (request.Name is null || (isWatch && request.Subresource is null))
        {
            if (isWatch)
            {
                counters.Count("watch");
                await WatchAsync(context, request).ConfigureAwait(false);
            }
            else
            {
                counters.Count("list");
                await ListAsync(context, request).ConfigureAwait(false);
            }

            return;
        }

        counters.Count("get");
        await GetOneAsync(context, request).ConfigureAwait(false);
    }

    private async Task GetOneAsync(HttpContext context, ResourceRequest request)
    {
        if (request.Type == ResourceCatalog.Pods && request.Subresource == "log")
        {
            // Nothing runs in the sandbox; say so where kubectl logs would show output.
            _ = registry.Store.Get(request.Type, request.Namespace, request.Name!) ?? throw ApiException.NotFound(request.Type, request.Name!);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(
                $"[sandbox] pod {request.Namespace}/{request.Name} is a record only: the sandbox runs no containers, so there are no logs.\n",
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        ResourceGate.CheckSubresource(request);
        var obj = registry.Store.Get(request.Type, request.Namespace, request.Name!)
            ?? throw ApiException.NotFound(request.Type, request.Name!);
        if (request.Subresource == "scale")
        {
            await Wire.WriteJsonAsync(context, 200, ResourceRegistry.ScaleOf(obj)).ConfigureAwait(false);
            return;
        }

        var view = ResourceRegistry.View(request.Type, request.Version, obj);
        var accept = context.Request.Headers.Accept.ToString();
        if (TableRenderer.Wants(accept) && request.Subresource is null)
        {
            var table = TableRenderer.Render(request.Type, [view], TableRenderer.TableVersion(accept), context.Request.Query["includeObject"],
                null, null, time.GetUtcNow());
            await Wire.WriteJsonAsync(context, 200, table, Wire.TableContentType(accept)).ConfigureAwait(false);
            return;
        }

        await Wire.WriteJsonAsync(context, 200, view).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labelSel = LabelSelector.Parse(query["labelSelector"]);
        var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
        var (items, rv) = registry.Store.RenderedSnapshot(request.Type, request.Namespace);
        var selected = items.Where(e => labelSel.Matches(e.Labels) && fieldSel.Matches(e.Namespace, e.Name));

        var continueToken = (string?)query["continue"];
        if (!string.IsNullOrEmpty(continueToken))
        {
            var (afterNs, afterName) = DecodeContinue(continueToken);
            selected = selected.Where(e => string.CompareOrdinal(e.Namespace, afterNs) > 0
                || (e.Namespace == afterNs && string.CompareOrdinal(e.Name, afterName) > 0));
        }

        var page = selected.ToList();
        string? next = null;
        long? remaining = null;
        if (long.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && page.Count > limit)
        {
            remaining = page.Count - limit;
            page = page.Take((int)limit).ToList();
            next = EncodeContinue(page[^1].Namespace, page[^1].Name);
        }

        var accept = context.Request.Headers.Accept.ToString();
        if (TableRenderer.Wants(accept))
        {
            var objects = page.Select(e => JsonNode.Parse(e.ObjectJson[request.Version])!.AsObject()).ToList();
            var table = TableRenderer.Render(request.Type, objects, TableRenderer.TableVersion(accept), query["includeObject"], rv, next, time.GetUtcNow());
            await Wire.WriteJsonAsync(context, 200, table, Wire.TableContentType(accept)).ConfigureAwait(false);
            return;
        }

        // The items are already rendered: the list is written around their bytes.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", request.Type.ApiVersion(request.Version));
            writer.WriteString("kind", request.Type.Kind + "List");
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", Json.Rv(rv));
            if (next is not null)
            {
                writer.WriteString("continue", next);
            }

            if (remaining is not null)
            {
                writer.WriteNumber("remainingItemCount", remaining.Value);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var e in page)
            {
                writer.WriteRawValue(e.ObjectJson[request.Version], skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static string EncodeContinue(string ns, string name) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["ns"] = ns, ["name"] = name }.ToJsonString()));

    private static (string Ns, string Name) DecodeContinue(string token)
    {
        try
        {
            var obj = JsonNode.Parse(Convert.FromBase64String(token))!.AsObject();
            return (Json.Str(obj["ns"]) ?? "", Json.Str(obj["name"]) ?? "");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or NullReferenceException)
        {
            throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }

    private async Task WatchAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var labelSel = LabelSelector.Parse(query["labelSelector"]);
        var fieldSel = FieldSelector.Parse(query["fieldSelector"]);
        if (request.Name is not null)
        {
            fieldSel = FieldSelector.Parse($"metadata.name={request.Name}" + (query["fieldSelector"] is { Count: > 0 } f ? "," + f : ""));
        }

        var accept = context.Request.Headers.Accept.ToString();
        var asTable = TableRenderer.Wants(accept);
        var rvText = (string?)query["resourceVersion"];
        long? from = null;
        if (!string.IsNullOrEmpty(rvText) && rvText != "0")
        {
            from = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resource version \"{rvText}\"");
        }

        var bookmarks = Wire.IsTrue(query["allowWatchBookmarks"]);

        // Streaming lists (client-go's WatchList): current state as ADDED, then a bookmark marking its end.
        var sendInitialEvents = Wire.IsTrue(query["sendInitialEvents"]);
        if (sendInitialEvents)
        {
            from = null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, shutdown);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = asTable ? Wire.TableContentType(accept) : "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        var body = context.Response.Body;

        WatchSubscription subscription;
        try
        {
            subscription = registry.Store.Watch(request.Type, request.Namespace, from);
        }
        catch (ApiException gone) when (gone.Code == 410)
        {
            // A watch answers 200 and reports expiry as an ERROR event, like the real server.
            await WriteLineAsync(body, Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = "ERROR",
                ["object"] = gone.ToStatus(),
            }.ToJsonString()), timeout.Token).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            var tableVersion = TableRenderer.TableVersion(accept);
            var firstTable = true;
            async Task SendAsync(StoreEvent e, CancellationToken ct)
            {
                var oldMatches = e.OldLabels is null ? (bool?)null : labelSel.Matches(e.OldLabels);
                var newMatches = labelSel.Matches(e.Labels);
                if (!fieldSel.Matches(e.Namespace, e.Name))
                {
                    return;
                }

                var typeName = e.Kind switch
                {
                    WatchEventKind.Added => newMatches ? "ADDED" : null,
                    WatchEventKind.Deleted => newMatches ? "DELETED" : null,
                    _ => (oldMatches ?? newMatches, newMatches) switch
                    {
                        (true, true) => "MODIFIED",
                        (false, true) => "ADDED",
                        (true, false) => "DELETED",
                        _ => null,
                    },
                };
                if (typeName is null)
                {
                    return;
                }

                var objectBytes = e.ObjectJson[request.Version];
                if (asTable)
                {
                    var obj = JsonNode.Parse(objectBytes)!.AsObject();
                    var table = TableRenderer.Render(request.Type, [obj], tableVersion, query["includeObject"], null, null,
                        time.GetUtcNow(), includeColumns: firstTable);
                    firstTable = false;
                    objectBytes = Json.ToBytes(table);
                }

                await WriteEventAsync(body, typeName, objectBytes, ct).ConfigureAwait(false);
            }

            try
            {
                foreach (var e in subscription.Initial)
                {
                    await SendAsync(e, timeout.Token).ConfigureAwait(false);
                }

                if (sendInitialEvents && bookmarks)
                {
                    await WriteEventAsync(body, "BOOKMARK", Json.ToBytes(Bookmark(request, subscription.StartVersion, initialEventsEnd: true)),
                        timeout.Token).ConfigureAwait(false);
                }

                await body.FlushAsync(timeout.Token).ConfigureAwait(false);
                var reader = subscription.Reader;
                using var bookmarkTimer = bookmarks ? new PeriodicTimer(bookmarkInterval, time) : null;
                Task? bookmarkTick = bookmarkTimer?.WaitForNextTickAsync(timeout.Token).AsTask();
                while (!timeout.IsCancellationRequested)
                {
                    var readTask = reader.WaitToReadAsync(timeout.Token).AsTask();
                    var done = bookmarkTick is null ? await Task.WhenAny(readTask).ConfigureAwait(false)
                        : await Task.WhenAny(readTask, bookmarkTick).ConfigureAwait(false);
                    if (done == bookmarkTick)
                    {
                        subscription.RequestBookmark();
                        bookmarkTick = bookmarkTimer!.WaitForNextTickAsync(timeout.Token).AsTask();
                    }

                    if (!await readTask.ConfigureAwait(false))
                    {
                        break;
                    }

                    while (reader.TryRead(out var item))
                    {
                        if (item.Event is { } e)
                        {
                            await SendAsync(e, timeout.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            await WriteEventAsync(body, "BOOKMARK", Json.ToBytes(Bookmark(request, item.BookmarkVersion, initialEventsEnd: false)),
                                timeout.Token).ConfigureAwait(false);
                        }
                    }

                    await body.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Timeout, client gone, or shutdown: the stream simply ends.
            }
        }
    }

    private static JsonObject Bookmark(ResourceRequest request, long resourceVersion, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = Json.Rv(resourceVersion), ["creationTimestamp"] = null };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject
        {
            ["kind"] = request.Type.Kind,
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["metadata"] = meta,
        };
    }

    private static async Task WriteEventAsync(Stream body, string type, byte[] objectJson, CancellationToken ct)
    {
        var prefix = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        await body.WriteAsync(prefix, ct).ConfigureAwait(false);
        await body.WriteAsync(objectJson, ct).ConfigureAwait(false);
        await body.WriteAsync("}\n"u8.ToArray(), ct).ConfigureAwait(false);
    }

    private static async Task WriteLineAsync(Stream body, byte[] line, CancellationToken ct)
    {
        await body.WriteAsync(line, ct).ConfigureAwait(false);
        await body.WriteAsync(Newline, ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }
}
