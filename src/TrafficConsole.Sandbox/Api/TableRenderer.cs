using System.Globalization;
using System.Text.Json.Nodes;

namespace TrafficConsole.Sandbox.Api;

/// <summary>
/// Server-side printing: the meta.k8s.io/v1 Table that <c>kubectl get</c> asks for, with the columns
/// kubectl shows for each kind against a real cluster.
/// </summary>
internal static class TableRenderer
{
    private sealed record Column(string Name, string Type, string Description, Func<JsonObject, DateTimeOffset, JsonNode?> Cell, int Priority = 0);

    public static bool Wants(string? accept) =>
        accept is not null && accept.Split(',').Any(p => p.Contains("as=Table", StringComparison.Ordinal)
            && p.Contains("g=meta.k8s.io", StringComparison.Ordinal));

    public static string TableVersion(string? accept) =>
        accept is not null && accept.Split(',').FirstOrDefault(p => p.Contains("as=Table", StringComparison.Ordinal))?
            .Contains("v=v1beta1", StringComparison.Ordinal) == true ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1";

    public static JsonObject Render(ResourceType type, IEnumerable<JsonObject> objects, string apiVersion, string? includeObject,
        long? resourceVersion, string? continueToken, DateTimeOffset now, bool includeColumns = true)
    {
        var columns = Columns(type);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray([.. columns.Select(c => c.Cell(obj, now))]);
            var row = new JsonObject { ["cells"] = cells };
            row["object"] = includeObject switch
            {
                "None" => null,
                "Object" => obj,
                _ => new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                },
            };
            rows.Add(row);
        }

        var meta = new JsonObject();
        if (resourceVersion is { } rv)
        {
            meta["resourceVersion"] = Json.Rv(rv);
        }

        if (!string.IsNullOrEmpty(continueToken))
        {
            meta["continue"] = continueToken;
        }

        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = apiVersion,
            ["metadata"] = meta,
        };
        if (includeColumns)
        {
            table["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            })]);
        }

        table["rows"] = rows;
        return table;
    }

    private static List<Column> Columns(ResourceType type)
    {
        var name = new Column("Name", "string", "Name must be unique within a namespace.", (o, _) => Json.Name(o));
        var age = new Column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.",
            (o, now) => Age(o, now));
        if (type == ResourceCatalog.VirtualServices)
        {
            return [name, new("Gateways", "string", "The names of gateways and sidecars that should apply these routes",
                    (o, _) => StringList(Spec(o)?["gateways"])),
                new("Hosts", "string", "The destination hosts to which traffic is being sent", (o, _) => StringList(Spec(o)?["hosts"])),
                age];
        }

        if (type == ResourceCatalog.DestinationRules)
        {
            return [name, new("Host", "string", "The name of a service from the service registry", (o, _) => Json.Str(Spec(o)?["host"])), age];
        }

        if (type == ResourceCatalog.HttpRoutes)
        {
            return [name, new("Hostnames", "string", "", (o, _) => StringList(Spec(o)?["hostnames"])), age];
        }

        if (type == ResourceCatalog.Deployments)
        {
            return
            [
                name,
                new("Ready", "string", "Number of the pod with ready state",
                    (o, _) => $"{Int(Status(o)?["readyReplicas"])}/{Int(Spec(o)?["replicas"])}"),
                new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                    (o, _) => Int(Status(o)?["updatedReplicas"])),
                new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                    (o, _) => Int(Status(o)?["availableReplicas"])),
                age,
                new("Containers", "string", "Names of each container in the template.", (o, _) => Containers(o, "name"), 1),
                new("Images", "string", "Images referenced by each container in the template.", (o, _) => Containers(o, "image"), 1),
                new("Selector", "string", "Label selector for pods.",
                    (o, _) => string.Join(',', ((Spec(o)?["selector"] as JsonObject)?["matchLabels"] as JsonObject ?? [])
                        .Select(kv => $"{kv.Key}={Json.Str(kv.Value)}")), 1),
            ];
        }

        if (type == ResourceCatalog.Services)
        {
            return
            [
                name,
                new("Type", "string", "The type of the service.", (o, _) => Json.Str(Spec(o)?["type"]) ?? "ClusterIP"),
                new("Cluster-IP", "string", "The cluster IP of the service.", (o, _) => Json.Str(Spec(o)?["clusterIP"]) ?? "<none>"),
                new("External-IP", "string", "The external IP of the service.", (_, _) => "<none>"),
                new("Port(s)", "string", "The ports of the service.", (o, _) => Ports(o)),
                age,
                new("Selector", "string", "The label selector of the service.",
                    (o, _) => string.Join(',', (Spec(o)?["selector"] as JsonObject ?? []).Select(kv => $"{kv.Key}={Json.Str(kv.Value)}")) is { Length: > 0 } s ? s : "<none>", 1),
            ];
        }

        if (type == ResourceCatalog.Pods)
        {
            return
            [
                name,
                new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", (o, _) =>
                {
                    var statuses = (Status(o)?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                    var total = (Spec(o)?["containers"] as JsonArray)?.Count ?? statuses.Count;
                    return $"{statuses.Count(s => s["ready"]?.GetValue<bool>() == true)}/{total}";
                }),
                new("Status", "string", "The aggregate status of the containers in this pod.", (o, _) => Json.Str(Status(o)?["phase"]) ?? "Pending"),
                new("Restarts", "string", "The number of times the containers in this pod have been restarted.", (_, _) => "0"),
                age,
                new("IP", "string", "The IP address assigned to the pod.", (o, _) => Json.Str(Status(o)?["podIP"]) ?? "<none>", 1),
                new("Node", "string", "The node the pod runs on.", (o, _) => Json.Str(Spec(o)?["nodeName"]) ?? "<none>", 1),
            ];
        }

        if (type == ResourceCatalog.Namespaces)
        {
            return [name, new("Status", "string", "The status of the namespace", (o, _) => Json.Str(Status(o)?["phase"]) ?? "Active"), age];
        }

        if (type == ResourceCatalog.ConfigMaps || type == ResourceCatalog.Secrets)
        {
            var extra = type == ResourceCatalog.Secrets
                ? new Column("Type", "string", "The type of the secret", (o, _) => Json.Str(o["type"]) ?? "Opaque")
                : null;
            var data = new Column("Data", "integer", "Number of items", (o, _) =>
                ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0) + ((o["stringData"] as JsonObject)?.Count ?? 0));
            return extra is null ? [name, data, age] : [name, extra, data, age];
        }

        if (type == ResourceCatalog.ServiceAccounts)
        {
            return [name, new("Secrets", "integer", "", (o, _) => (o["secrets"] as JsonArray)?.Count ?? 0), age];
        }

        if (type == ResourceCatalog.Leases)
        {
            return [name, new("Holder", "string", "", (o, _) => Json.Str(Spec(o)?["holderIdentity"]) ?? ""), age];
        }

        return [name, age];
    }

    private static JsonObject? Spec(JsonObject o) => o["spec"] as JsonObject;

    private static JsonObject? Status(JsonObject o) => o["status"] as JsonObject;

    private static long Int(JsonNode? node) => Json.Int(node) ?? 0;

    private static string StringList(JsonNode? node) =>
        node is JsonArray a ? "[" + string.Join(' ', a.Select(n => Json.Str(n) ?? n?.ToJsonString())) + "]" : "";

    private static string Containers(JsonObject o, string field) =>
        string.Join(',', (((Spec(o)?["template"] as JsonObject)?["spec"] as JsonObject)?["containers"] as JsonArray ?? [])
            .OfType<JsonObject>().Select(c => Json.Str(c[field])));

    private static string Ports(JsonObject o)
    {
        var ports = (Spec(o)?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(p => $"{Json.Int(p["port"])}{(Json.Int(p["nodePort"]) is { } np ? ":" + np.ToString(CultureInfo.InvariantCulture) : "")}/{Json.Str(p["protocol"]) ?? "TCP"}")
            .ToList();
        return ports.Count == 0 ? "<none>" : string.Join(',', ports);
    }

    private static string Age(JsonObject o, DateTimeOffset now)
    {
        var created = Json.ParseTimestamp(Json.Str((o["metadata"] as JsonObject)?["creationTimestamp"]));
        return created is null ? "<unknown>" : HumanDuration(now - created.Value);
    }

    /// <summary>Durations as kubectl prints them (apimachinery's duration.HumanDuration).</summary>
    public static string HumanDuration(TimeSpan d)
    {
        static string F(double v) => ((long)v).ToString(CultureInfo.InvariantCulture);
        if (d < TimeSpan.FromSeconds(-1))
        {
            return "<invalid>";
        }

        if (d < TimeSpan.Zero)
        {
            return "0s";
        }

        if (d < TimeSpan.FromMinutes(2))
        {
            return F(d.TotalSeconds) + "s";
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = (long)d.TotalSeconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }

        if (minutes < 60 * 3)
        {
            return $"{minutes}m";
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }

        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }

        return $"{hours / 24 / 365}y";
    }
}
