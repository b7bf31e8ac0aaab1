using System.Text.Json.Nodes;
using TrafficConsole.Sandbox.Api;

namespace TrafficConsole.Sandbox.Storage;

/// <summary>One object written (Object set) or deleted (Object null) by a committed transaction.</summary>
internal sealed record StoreOp(ResourceType Type, string Namespace, string Name, JsonObject? Object);

/// <summary>What a journal hands back on start-up.</summary>
internal sealed record LoadedState(long ResourceVersion, IReadOnlyList<(ResourceType Type, JsonObject Object)> Objects);

/// <summary>Where committed transactions go before they are acknowledged.</summary>
internal interface IStoreJournal : IDisposable
{
    LoadedState Load();

    /// <summary>Makes the transaction durable; returns only once it survives a crash.</summary>
    void Append(long resourceVersion, IReadOnlyList<StoreOp> ops);

    /// <summary>Called after commits with the full state, so the journal may compact itself.</summary>
    /// <summary>Writes the full state as a new snapshot and empties the log.</summary>
    void Compact(long resourceVersion, IEnumerable<(ResourceType Type, JsonObject Object)> objects);

    void MaybeCompact(long resourceVersion, Func<IEnumerable<(ResourceType Type, JsonObject Object)>> snapshot);
}
