using System.Collections.Immutable;
using System.Globalization;

using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;

namespace TrafficConsole.Mesh.Validation;

/// <summary>The weight sliders' view of the intent: the default route's split, edited as whole percentages.</summary>
public static partial class RoutingIntentValidator
{
    /// <summary>
    /// All issues of a split the weight sliders (or the REST <c>traffic</c> view) set as the default route of the intent, for
    /// <paramref name="view"/>: integer percentages 0..100 over the service's versions that add up to 100, an optional mirror.
    /// Paths are the sliders' (<c>weights[v1]</c>, <c>mirror.percent</c>); empty when it can be applied as is.
    /// </summary>
    public static ImmutableArray<ValidationIssue> ValidateSplit(ServiceView view, TrafficSplit split)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(split);
        ImmutableArray<ValidationIssue>.Builder issues = ImmutableArray.CreateBuilder<ValidationIssue>();

        if (split.Weights.IsEmpty)
        {
            issues.Add(new(ValidationCodes.EmptySplit, Severity.Error, "weights", "The split names no version; give at least one version a weight."));
            return issues.ToImmutable();
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (VersionWeight weight in split.Weights)
        {
            string path = $"weights[{weight.Version}]";
            if (!seen.Add(weight.Version))
            {
                issues.Add(new(ValidationCodes.DuplicateVersion, Severity.Error, path, $"Version '{weight.Version}' appears more than once in the split."));
            }

            if (weight.Weight is < 0 or > 100)
            {
                issues.Add(new(ValidationCodes.WeightOutOfRange, Severity.Error, path, $"Weight {weight.Weight} of '{weight.Version}' is outside 0..100."));
            }

            ServiceVersion? version = view.FindVersion(weight.Version);
            if (version is null)
            {
                issues.Add(new(ValidationCodes.UnknownVersion, Severity.Error, path, $"Service {view.Name} has no version '{weight.Version}'."));
                continue;
            }

            if (weight.Weight > 0 && !version.IsVersioned && view.Versions.Length > 1)
            {
                issues.Add(new(ValidationCodes.UnversionedTarget, Severity.Error, path,
                    $"Workloads {string.Join(", ", version.Workloads.Select(static w => w.Name))} carry no version label, so no subset can send traffic to them alone; add a 'version' label to their pod template."));
            }

            if (weight.Weight > 0 && version.ReadyReplicas == 0)
            {
                issues.Add(new(ValidationCodes.NoReadyReplicas, Severity.Warning, path,
                    $"Version '{weight.Version}' has no ready pods; its {weight.Weight}% of requests will fail until pods are ready."));
            }
        }

        long total = split.Total;
        if (split.Weights.All(static w => w.Weight == 0))
        {
            issues.Add(new(ValidationCodes.AllWeightsZero, Severity.Error, "weights", "All weights are 0: no version would receive traffic."));
        }
        else if (total != 100)
        {
            issues.Add(new(ValidationCodes.TotalNot100, Severity.Error, "weights",
                $"Weights add up to {total.ToString(CultureInfo.InvariantCulture)}, not 100 ({(total > 100 ? "remove " + (total - 100).ToString(CultureInfo.InvariantCulture) : "add " + (100 - total).ToString(CultureInfo.InvariantCulture))})."));
        }

        if (split.Mirror is { } mirror)
        {
            if (double.IsNaN(mirror.Percent) || mirror.Percent is < 0 or > 100)
            {
                issues.Add(new(ValidationCodes.MirrorPercentOutOfRange, Severity.Error, "mirror.percent", $"Mirror percentage {mirror.Percent.ToString(CultureInfo.InvariantCulture)} is outside 0..100."));
            }

            ServiceVersion? target = view.FindVersion(mirror.Version);
            if (target is null)
            {
                issues.Add(new(ValidationCodes.UnknownMirrorVersion, Severity.Error, "mirror.version", $"Service {view.Name} has no version '{mirror.Version}' to mirror to."));
            }
            else if (!target.IsVersioned)
            {
                issues.Add(new(ValidationCodes.UnversionedTarget, Severity.Error, "mirror.version", "The mirror target carries no version label, so no subset can select it."));
            }
            else if (split.WeightOf(mirror.Version) > 0)
            {
                issues.Add(new(ValidationCodes.MirrorAlsoWeighted, Severity.Warning, "mirror.version",
                    $"'{mirror.Version}' also receives live traffic, so it sees some requests twice."));
            }
        }

        return issues.ToImmutable();
    }
}
