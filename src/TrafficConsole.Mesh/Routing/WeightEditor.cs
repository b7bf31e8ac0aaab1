using System.Collections.Immutable;

namespace TrafficConsole.Mesh.Routing;

/// <summary>One slider: a version, its weight 0..100 and whether the user locked it.</summary>
public sealed record WeightSlot(string Version, int Weight, bool Locked = false);

/// <summary>
/// The pure rules behind the weight sliders. Every operation returns a new editor; the sum stays 100 when it
/// was 100. Moving a slider clamps it to what the locked sliders leave and rebalances the unlocked others in
/// proportion to their current weights (evenly when they are all 0), in integers.
/// </summary>
public sealed record WeightEditor
{
    public const int Total = 100;

    public WeightEditor(ImmutableArray<WeightSlot> slots)
    {
        Slots = slots.IsDefault ? [] : slots;
    }

    public ImmutableArray<WeightSlot> Slots { get; init; }

    /// <summary>100 minus the sum of the weights: what is left to give (negative when over).</summary>
    public int Remaining => Total - Sum;

    /// <summary>The sum of the weights.</summary>
    public int Sum => Slots.Sum(static s => s.Weight);

    /// <summary>True when every weight is within 0..100, they sum to 100 and at least one version exists.</summary>
    public bool IsValid => !Slots.IsEmpty && Sum == Total && Slots.All(static s => s.Weight is >= 0 and <= Total);

    /// <summary>An editor over the weights of <paramref name="split"/> (nothing locked).</summary>
    public static WeightEditor From(TrafficSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new([.. split.Weights.Select(static w => new WeightSlot(w.Version, w.Weight))]);
    }

    /// <summary>An editor over <paramref name="versions"/> with traffic spread evenly.</summary>
    public static WeightEditor Even(IEnumerable<string> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        return new WeightEditor([.. versions.Select(static v => new WeightSlot(v, 0))]).EvenlyDistribute();
    }

    /// <summary>The weight of a version (0 when unknown).</summary>
    public int WeightOf(string version) => Find(version)?.Weight ?? 0;

    /// <summary>True when the version's slider is locked.</summary>
    public bool IsLocked(string version) => Find(version)?.Locked ?? false;

    /// <summary>The highest value the version's slider can take: 100 minus the locked others.</summary>
    public int MaxFor(string version) =>
        Math.Max(0, Total - Slots.Where(s => s.Locked && !IsVersion(s, version)).Sum(static s => s.Weight));

    /// <summary>
    /// Moves one slider. The value is clamped to 0..<see cref="MaxFor"/>; the unlocked others share the rest in
    /// proportion to their current weights. With no unlocked other, the slider takes exactly what the locked ones
    /// leave. A locked or unknown slider does not move.
    /// </summary>
    public WeightEditor Set(string version, int value)
    {
        int index = IndexOf(version);
        if (index < 0 || Slots[index].Locked)
        {
            return this;
        }

        int max = MaxFor(version);
        int[] others = [.. Enumerable.Range(0, Slots.Length).Where(i => i != index && !Slots[i].Locked)];
        int clamped = others.Length == 0 ? max : Math.Clamp(value, 0, max);
        int rest = max - clamped;

        long[] current = [.. others.Select(i => (long)Math.Max(0, Slots[i].Weight))];
        int[] shares = current.Sum() == 0 ? Apportion.Evenly(others.Length, rest) : Apportion.LargestRemainder(current, rest);

        ImmutableArray<WeightSlot>.Builder slots = Slots.ToBuilder();
        slots[index] = slots[index] with { Weight = clamped };
        for (int k = 0; k < others.Length; k++)
        {
            slots[others[k]] = slots[others[k]] with { Weight = shares[k] };
        }

        return this with { Slots = slots.MoveToImmutable() };
    }

    /// <summary>Locks a slider so rebalancing leaves it alone.</summary>
    public WeightEditor Lock(string version) => WithLock(version, locked: true);

    /// <summary>Unlocks a slider.</summary>
    public WeightEditor Unlock(string version) => WithLock(version, locked: false);

    /// <summary>Flips a slider's lock.</summary>
    public WeightEditor ToggleLock(string version) => WithLock(version, !IsLocked(version));

    /// <summary>Spreads what the locked sliders leave evenly over the unlocked ones; the remainder goes to the last ones (33/33/34).</summary>
    public WeightEditor EvenlyDistribute()
    {
        int[] unlocked = [.. Enumerable.Range(0, Slots.Length).Where(i => !Slots[i].Locked)];
        if (unlocked.Length == 0)
        {
            return this;
        }

        int rest = Math.Max(0, Total - Slots.Where(static s => s.Locked).Sum(static s => s.Weight));
        int[] shares = Apportion.Evenly(unlocked.Length, rest);
        ImmutableArray<WeightSlot>.Builder slots = Slots.ToBuilder();
        for (int k = 0; k < unlocked.Length; k++)
        {
            slots[unlocked[k]] = slots[unlocked[k]] with { Weight = shares[k] };
        }

        return this with { Slots = slots.MoveToImmutable() };
    }

    /// <summary>The weights as a <see cref="TrafficSplit"/>, with an optional mirror.</summary>
    public TrafficSplit ToSplit(MirrorTarget? mirror = null) =>
        new([.. Slots.Select(static s => new VersionWeight(s.Version, s.Weight))], mirror);

    public bool Equals(WeightEditor? other) => other is not null && Slots.SequenceEqual(other.Slots);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (WeightSlot slot in Slots)
        {
            hash.Add(slot);
        }

        return hash.ToHashCode();
    }

    private WeightEditor WithLock(string version, bool locked)
    {
        int index = IndexOf(version);
        return index < 0 || Slots[index].Locked == locked ? this : this with { Slots = Slots.SetItem(index, Slots[index] with { Locked = locked }) };
    }

    private WeightSlot? Find(string version) => Slots.FirstOrDefault(s => IsVersion(s, version));

    private int IndexOf(string version)
    {
        for (int i = 0; i < Slots.Length; i++)
        {
            if (IsVersion(Slots[i], version))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsVersion(WeightSlot slot, string version) => string.Equals(slot.Version, version, StringComparison.Ordinal);
}
