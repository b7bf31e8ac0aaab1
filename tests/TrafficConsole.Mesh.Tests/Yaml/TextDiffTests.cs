using TrafficConsole.Mesh.Resources;
using TrafficConsole.Mesh.Routing;
using TrafficConsole.Mesh.Services;
using TrafficConsole.Mesh.Yaml;

using static TrafficConsole.Mesh.Tests.TestData.Samples;

namespace TrafficConsole.Mesh.Tests.Yaml;

public class TextDiffTests
{
    [Fact]
    public void Lines_are_marked_added_removed_or_unchanged_with_line_numbers()
    {
        var lines = TextDiff.Unified("a\nb\nc\n", "a\nB\nc\nd\n");

        Assert.Equal(
            [
                new DiffLine(DiffKind.Unchanged, "a", 1, 1),
                new DiffLine(DiffKind.Removed, "b", 2, null),
                new DiffLine(DiffKind.Added, "B", null, 2),
                new DiffLine(DiffKind.Unchanged, "c", 3, 3),
                new DiffLine(DiffKind.Added, "d", null, 4),
            ],
            lines.ToArray());
        Assert.True(TextDiff.HasChanges(lines));
    }

    [Fact]
    public void Indentation_changes_count_because_YAML_depends_on_them()
    {
        var lines = TextDiff.Unified("a:\n  b: 1\n", "a:\n    b: 1\n");

        Assert.True(TextDiff.HasChanges(lines));
    }

    [Fact]
    public void Identical_texts_have_no_changes()
    {
        Assert.False(TextDiff.HasChanges(TextDiff.Unified("x\ny\n", "x\ny\n")));
    }

    [Fact]
    public void The_preview_of_a_weight_change_shows_only_the_weights()
    {
        ServiceView view = View([SplitService("1", ("v1", 90), ("v2", 10))], [SubsetRule()]);
        RoutingPlan plan = RoutingIntentPlanner.PlanSplit(view, TrafficSplit.Of(("v1", 50), ("v2", 50), ("v3", 0)), IstioApi.V1);

        var lines = TextDiff.Unified(ResourceYaml.Serialize(plan.CurrentVirtualService!), ResourceYaml.Serialize(plan.VirtualService!));

        Assert.Equal(["      weight: 90", "      weight: 10"], lines.Where(static l => l.Kind == DiffKind.Removed).Select(static l => l.Text));
        Assert.Equal(["      weight: 50", "      weight: 50"], lines.Where(static l => l.Kind == DiffKind.Added).Select(static l => l.Text));
    }

    [Fact]
    public void Format_writes_unified_hunks_with_context()
    {
        string before = string.Join('\n', Enumerable.Range(1, 20).Select(static i => $"line{i}")) + "\n";
        string after = before.Replace("line10\n", "line10 changed\n", StringComparison.Ordinal);

        string text = TextDiff.Format(TextDiff.Unified(before, after), context: 2);

        Assert.Equal(
            "--- current\n+++ desired\n@@ -8,5 +8,5 @@\n line8\n line9\n-line10\n+line10 changed\n line11\n line12\n",
            text);
    }
}
