using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

using Client = TrafficConsole.Cli.Remote;
using Server = TrafficConsole.Web.Api;

namespace TrafficConsole.Cli.Tests.Remote;

/// <summary>
/// The CLI's own copies of the REST documents (src/TrafficConsole.Cli/Remote/ApiDocuments.cs) against the console's
/// (src/TrafficConsole.Web/Api): the same JSON fields, of matching types, null in the same places. A field added, renamed,
/// retyped or made nullable on one side fails here, before a user's trafficconsole misreads a console.
/// The end-to-end tests also read the real console's answers with unknown fields refused.
/// </summary>
public class ContractTests
{
    public static TheoryData<Type, Type> Documents => new()
    {
        { typeof(Client.TrafficDocument), typeof(Server.TrafficDocument) },
        { typeof(Client.MirrorDocument), typeof(Server.MirrorDocument) },
        { typeof(Client.ProxySyncDocument), typeof(Server.ProxySyncDocument) },
        { typeof(Client.StableDocument), typeof(Server.StableDocument) },
        { typeof(Client.RevisionDocument), typeof(Server.RevisionDocument) },
        { typeof(Client.RevisionListDocument), typeof(Server.RevisionListDocument) },
        { typeof(Client.RollbackRequest), typeof(Server.RollbackRequest) },
        { typeof(Client.PromoteRequest), typeof(Server.PromoteRequest) },
        { typeof(Client.RollbackDocument), typeof(Server.RollbackDocument) },
        { typeof(Client.RolloutDocument), typeof(Server.RolloutDocument) },
        { typeof(Client.RolloutListDocument), typeof(Server.RolloutListDocument) },
        { typeof(Client.TelemetryDocument), typeof(Server.TelemetryDocument) },
        { typeof(Client.VersionTelemetryDocument), typeof(Server.VersionTelemetryDocument) },
        { typeof(Client.LatencyDocument), typeof(Server.LatencyDocument) },
    };

    /// <summary>The console's API JSON: web defaults with enums as their names (ConsoleApp's JsonOptions).</summary>
    private static readonly JsonSerializerOptions ServerJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() }, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static readonly JsonSerializerOptions ClientJson = new(Client.ApiJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static readonly NullabilityInfoContext Nullability = new();

    [Theory]
    [MemberData(nameof(Documents))]
    public void The_client_document_has_the_servers_fields_with_matching_types_and_nullability(Type client, Type server)
    {
        Dictionary<string, JsonPropertyInfo> clientFields = ClientJson.GetTypeInfo(client).Properties.ToDictionary(static p => p.Name, StringComparer.Ordinal);
        Dictionary<string, JsonPropertyInfo> serverFields = ServerJson.GetTypeInfo(server).Properties.ToDictionary(static p => p.Name, StringComparer.Ordinal);

        Assert.Equal(serverFields.Keys.Order(StringComparer.Ordinal), clientFields.Keys.Order(StringComparer.Ordinal));
        foreach ((string name, JsonPropertyInfo serverField) in serverFields)
        {
            JsonPropertyInfo clientField = clientFields[name];
            Assert.True(
                Matches(clientField.PropertyType, serverField.PropertyType),
                $"{client.Name}.{name} is {clientField.PropertyType} in the CLI, {serverField.PropertyType} in the console");
            Assert.True(
                IsNullable(clientField) == IsNullable(serverField),
                $"{client.Name}.{name} is {(IsNullable(clientField) ? "nullable" : "not nullable")} in the CLI, {(IsNullable(serverField) ? "nullable" : "not nullable")} in the console");
        }
    }

    [Fact]
    public void The_enum_values_the_text_output_tells_apart_are_the_consoles()
    {
        Assert.Subset(Enum.GetNames<Web.Model.RoutingKind>().ToHashSet(), new HashSet<string> { "None", "Split", "Rules", "ReadOnly" });
        Assert.Subset(Enum.GetNames<Web.Model.RevisionOrigin>().ToHashSet(), new HashSet<string> { "Console", "External" });
    }

    [Fact]
    public void The_rollback_body_the_CLI_sends_is_read_by_the_console_as_meant()
    {
        string json = JsonSerializer.Serialize(new Client.RollbackRequest("5b7d0a01c6", null, "vs:41,dr:12", "v2 errors"), Client.ApiJson.Options);

        Server.RollbackRequest? read = JsonSerializer.Deserialize<Server.RollbackRequest>(json, ServerJson);

        Assert.Equal(new Server.RollbackRequest("5b7d0a01c6", null, "vs:41,dr:12", "v2 errors"), read);
    }

    [Fact]
    public void The_promote_body_the_CLI_sends_is_read_by_the_console_as_meant()
    {
        string json = JsonSerializer.Serialize(new Client.PromoteRequest("v2", "vs:41,dr:12", "v2 held up"), Client.ApiJson.Options);

        Server.PromoteRequest? read = JsonSerializer.Deserialize<Server.PromoteRequest>(json, ServerJson);

        Assert.Equal(new Server.PromoteRequest("v2", "vs:41,dr:12", "v2 held up"), read);
    }

    [Fact]
    public void A_document_the_console_writes_is_read_by_the_CLI_with_every_field()
    {
        var stable = new Server.StableDocument("v1", Web.Model.StableReason.Promoted, "promoted by bob on 2026-12-01 18:00 UTC", "bob", new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.Zero));
        var written = new Server.RevisionListDocument(
            "bookinfo",
            "reviews",
            "vs:41,dr:12",
            stable,
            50,
            [new Server.RevisionDocument("9c1e5f7a3b", new DateTimeOffset(2026, 12, 1, 19, 48, 0, TimeSpan.Zero), "alice", Web.Model.RevisionOrigin.External, "kubectl", "why", Web.Model.RevisionAction.ToStable, "5b7d9e2f41", Web.Model.RoutingKind.Split, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("v1", 100)]), true)]);

        string json = JsonSerializer.Serialize(written, ServerJson);
        Client.RevisionListDocument read = JsonSerializer.Deserialize<Client.RevisionListDocument>(json, Strict)!;

        Client.RevisionDocument revision = Assert.Single(read.Revisions);
        Assert.Equal(("9c1e5f7a3b", "alice", "External", "kubectl", "why", "ToStable", "5b7d9e2f41", "Split", true), (revision.Id, revision.Actor, revision.Origin, revision.Manager, revision.Reason, revision.Action, revision.Replaces, revision.Kind, revision.Current));
        Assert.Equal(100, revision.Weights["v1"]);
        Assert.Equal(("v1", "Promoted", "bob", new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.Zero)), (read.Stable.Version, read.Stable.Reason, read.Stable.By, read.Stable.At));
    }

    /// <summary>The CLI's reading options with unknown fields refused: what the drift checks read the console's answers with.</summary>
    internal static JsonSerializerOptions Strict { get; } = new(Client.ApiJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static bool Matches(Type client, Type server)
    {
        if (client == server)
        {
            return true;
        }

        Type clientCore = Nullable.GetUnderlyingType(client) ?? client;
        Type serverCore = Nullable.GetUnderlyingType(server) ?? server;
        if (serverCore.IsEnum)
        {
            return clientCore == typeof(string);
        }

        if (clientCore.IsGenericType && serverCore.IsGenericType)
        {
            return clientCore.GetGenericTypeDefinition() == serverCore.GetGenericTypeDefinition()
                && clientCore.GetGenericArguments().Zip(serverCore.GetGenericArguments()).All(static p => Matches(p.First, p.Second));
        }

        // A nested document of the console is its namesake among the CLI's.
        return clientCore.Namespace == typeof(Client.TrafficDocument).Namespace && serverCore.Namespace == typeof(Server.TrafficDocument).Namespace && clientCore.Name == serverCore.Name;
    }

    private static bool IsNullable(JsonPropertyInfo field)
    {
        if (field.PropertyType.IsValueType)
        {
            return Nullable.GetUnderlyingType(field.PropertyType) is not null;
        }

        PropertyInfo property = field.DeclaringType.GetProperty(field.AttributeProvider is PropertyInfo p ? p.Name : field.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!;
        return Nullability.Create(property).ReadState == NullabilityState.Nullable;
    }
}
