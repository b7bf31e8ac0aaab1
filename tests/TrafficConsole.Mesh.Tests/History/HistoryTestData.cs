using TrafficConsole.Mesh.History;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.History;

/// <summary>Revisions of bookinfo/reviews for the history tests.</summary>
internal static class HistoryTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static RoutingRevision Revision(string key, TrafficSplit split, int minutes, RoutingKind kind = RoutingKind.Split, ServiceView? view = null) => new()
    {
        Id = RoutingRevision.IdOf(Ns, "reviews", key),
        Namespace = Ns,
        Service = "reviews",
        Key = key,
        At = T0.AddMinutes(minutes),
        Actor = "alice",
        Action = RevisionAction.Apply,
        Kind = kind,
        Split = split,
        Snapshot = view is null ? RevisionSnapshot.Empty : RevisionSnapshot.Of(view),
    };
}
