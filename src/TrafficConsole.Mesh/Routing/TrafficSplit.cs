using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace TrafficConsole.Mesh.Routing;

/// <summary>The routing intent: integer weights over a service's versions, and an optional mirror.</summary>
/// <remarks>Equality compares the weights in order and the mirror, so a draft can be compared with what is live.</remarks>
public sealed record TrafficSplit
{
    public TrafficSplit(ImmutableArray<VersionWeight> weights, MirrorTarget? mirror = null)
    {
        Weights = weights.IsDefault ? [] : weights;
        Mirror = mirror;
    }

    /// <summary>An empty split (no versions).</summary>
    public static TrafficSplit Empty { get; } = new([]);

    public ImmutableArray<VersionWeight> Weights { get; init; }

    public MirrorTarget? Mirror { get; init; }

    /// <summary>The sum of all weights, in long: a draft's weights (refused later as out of range) must not overflow it.</summary>
    public long Total => Weights.Sum(static w => (long)w.Weight);

    /// <summary>True when there are no weights.</summary>
    [JsonIgnore]
    public bool IsEmpty => Weights.IsEmpty;

    /// <summary>The version names in order.</summary>
    [JsonIgnore]
    public IEnumerable<string> Versions => Weights.Select(static w => w.Version);

    /// <summary>Builds a split from (version, weight) pairs.</summary>
    public static TrafficSplit Of(params (string Version, int Weight)[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new([.. weights.Select(static w => new VersionWeight(w.Version, w.Weight))]);
    }

    /// <summary>All traffic to <paramref name="target"/>, 0 to the other <paramref name="versions"/>: a rollback or a full promotion.</summary>
    public static TrafficSplit AllTo(IEnumerable<string> versions, string target)
    {
        ArgumentNullException.ThrowIfNull(versions);
        return new([.. versions.Select(v => new VersionWeight(v, string.Equals(v, target, StringComparison.Ordinal) ? 100 : 0))]);
    }

    /// <summary>The weight of a version (0 when absent).</summary>
    public int WeightOf(string version) =>
        Weights.Where(w => string.Equals(w.Version, version, StringComparison.Ordinal)).Sum(static w => w.Weight);

    /// <summary>True when the split names the version.</summary>
    public bool Contains(string version) =>
        Weights.Any(w => string.Equals(w.Version, version, StringComparison.Ordinal));

    /// <summary>The share of traffic a version gets, 0..100, with weights taken as relative.</summary>
    public double PercentOf(string version)
    {
        long total = Total;
        return total <= 0 ? 0 : 100.0 * WeightOf(version) / total;
    }

    /// <summary>The same split with weights turned into integer percentages that sum to exactly 100.</summary>
    public TrafficSplit Normalized()
    {
        int[] percents = Apportion.LargestRemainder(Weights.Select(static w => (long)Math.Max(0, w.Weight)).ToArray(), 100);
        return this with { Weights = [.. Weights.Select((w, i) => w with { Weight = percents[i] })] };
    }

    /// <summary>The same split with one version's weight replaced (or added at the end).</summary>
    public TrafficSplit WithWeight(string version, int weight)
    {
        int index = -1;
        for (int i = 0; i < Weights.Length && index < 0; i++)
        {
            index = string.Equals(Weights[i].Version, version, StringComparison.Ordinal) ? i : -1;
        }

        return index >= 0
            ? this with { Weights = Weights.SetItem(index, new VersionWeight(version, weight)) }
            : this with { Weights = Weights.Add(new VersionWeight(version, weight)) };
    }

    public bool Equals(TrafficSplit? other) =>
        other is not null && Weights.SequenceEqual(other.Weights) && Equals(Mirror, other.Mirror);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (VersionWeight weight in Weights)
        {
            hash.Add(weight);
        }

        hash.Add(Mirror);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string weights = string.Join(", ", Weights.Select(static w => $"{w.Version}={w.Weight}"));
        return Mirror is null ? weights : $"{weights}; mirror {Mirror.Version} {Mirror.Percent}%";
    }
}

/// <summary>A version and its weight.</summary>
/// <param name="Version">The version label value (<see cref="Services.ServiceVersion.Name"/>).</param>
/// <param name="Weight">The integer weight; in an edited split, a percentage.</param>
public sealed record VersionWeight(string Version, int Weight);

/// <summary>A copy of live traffic sent to a version; responses are discarded.</summary>
/// <param name="Version">The version that receives the copies.</param>
/// <param name="Percent">The share of requests copied, 0..100.</param>
public sealed record MirrorTarget(string Version, double Percent);
