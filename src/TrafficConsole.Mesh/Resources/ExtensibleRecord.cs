using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrafficConsole.Mesh.Resources;

/// <summary>Base of every spec record: fields this library does not model are kept here and written back.</summary>
/// <remarks>Someone else (kubectl, Kiali, Argo, a newer Istio) may have written fields we do not know;
/// a read-modify-write must never drop them.</remarks>
public abstract record ExtensibleRecord
{
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; init; }
}
