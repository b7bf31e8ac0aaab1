using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Tests.Routing;

public class WeightEditorTests
{
    private static int[] Weights(WeightEditor editor) => [.. editor.Slots.Select(static s => s.Weight)];

    private static WeightEditor Editor(params (string Version, int Weight)[] weights) => WeightEditor.From(TrafficSplit.Of(weights));

    [Fact]
    public void Evenly_distribute_gives_the_remainder_to_the_last_ones()
    {
        Assert.Equal([33, 33, 34], Weights(WeightEditor.Even(["v1", "v2", "v3"])));
        Assert.Equal([50, 50], Weights(WeightEditor.Even(["v1", "v2"])));
        Assert.Equal([14, 14, 14, 14, 14, 15, 15], Weights(WeightEditor.Even(["a", "b", "c", "d", "e", "f", "g"])));
        Assert.Equal([100], Weights(WeightEditor.Even(["v1"])));
    }

    [Fact]
    public void Setting_one_rebalances_the_others_proportionally_and_keeps_100()
    {
        WeightEditor editor = Editor(("v1", 60), ("v2", 30), ("v3", 10));

        WeightEditor moved = editor.Set("v1", 20);

        Assert.Equal([20, 60, 20], Weights(moved));
        Assert.True(moved.IsValid);
        Assert.Equal(0, moved.Remaining);
    }

    [Fact]
    public void Rebalancing_rounds_to_integers_that_still_sum_to_100()
    {
        WeightEditor moved = Editor(("v1", 34), ("v2", 33), ("v3", 33)).Set("v1", 0);

        Assert.Equal([0, 50, 50], Weights(moved));
        Assert.Equal(100, moved.Sum);

        WeightEditor odd = Editor(("v1", 10), ("v2", 45), ("v3", 45)).Set("v1", 11);
        Assert.Equal(100, odd.Sum);
        Assert.Equal(11, odd.WeightOf("v1"));
    }

    [Fact]
    public void Others_at_zero_share_the_rest_evenly()
    {
        WeightEditor moved = Editor(("v1", 100), ("v2", 0), ("v3", 0)).Set("v1", 40);

        Assert.Equal([40, 30, 30], Weights(moved));
    }

    [Fact]
    public void Values_are_clamped_to_0_and_to_what_the_locked_ones_leave()
    {
        WeightEditor editor = Editor(("v1", 50), ("v2", 30), ("v3", 20)).Lock("v3");

        Assert.Equal(80, editor.MaxFor("v1"));
        Assert.Equal([80, 0, 20], Weights(editor.Set("v1", 95)));
        Assert.Equal([0, 80, 20], Weights(editor.Set("v1", -10)));
        Assert.Equal(20, editor.Set("v1", 95).WeightOf("v3"));
    }

    [Fact]
    public void Locked_sliders_do_not_move_and_cannot_be_set()
    {
        WeightEditor editor = Editor(("v1", 50), ("v2", 30), ("v3", 20)).Lock("v2");

        Assert.True(editor.IsLocked("v2"));
        Assert.Same(editor, editor.Set("v2", 90));
        Assert.Equal([70, 30, 0], Weights(editor.Set("v1", 70)));
    }

    [Fact]
    public void The_only_unlocked_slider_takes_exactly_what_is_left()
    {
        WeightEditor editor = Editor(("v1", 50), ("v2", 30), ("v3", 20)).Lock("v2").Lock("v3");

        Assert.Equal([50, 30, 20], Weights(editor.Set("v1", 10)));
    }

    [Fact]
    public void Unlock_lets_a_slider_rebalance_again()
    {
        WeightEditor editor = Editor(("v1", 50), ("v2", 50)).Lock("v2").Unlock("v2");

        Assert.False(editor.IsLocked("v2"));
        Assert.Equal([10, 90], Weights(editor.Set("v1", 10)));
        Assert.True(editor.ToggleLock("v1").IsLocked("v1"));
    }

    [Fact]
    public void Evenly_distribute_respects_locks()
    {
        WeightEditor editor = Editor(("v1", 10), ("v2", 40), ("v3", 50)).Lock("v3").EvenlyDistribute();

        Assert.Equal([25, 25, 50], Weights(editor));
    }

    [Fact]
    public void Unknown_versions_change_nothing()
    {
        WeightEditor editor = Editor(("v1", 100));

        Assert.Same(editor, editor.Set("nope", 10));
        Assert.Same(editor, editor.Lock("nope"));
    }

    [Fact]
    public void Remaining_and_IsValid_report_an_unbalanced_state()
    {
        WeightEditor editor = Editor(("v1", 60), ("v2", 30));

        Assert.Equal(10, editor.Remaining);
        Assert.False(editor.IsValid);
        Assert.True(editor.Set("v1", 60).IsValid);
        Assert.False(new WeightEditor([]).IsValid);
    }

    [Fact]
    public void The_editor_is_immutable_and_converts_to_a_split()
    {
        WeightEditor original = Editor(("v1", 50), ("v2", 50));

        WeightEditor moved = original.Set("v1", 70);

        Assert.Equal([50, 50], Weights(original));
        Assert.Equal(TrafficSplit.Of(("v1", 70), ("v2", 30)), moved.ToSplit());
        Assert.Equal(new MirrorTarget("v2", 5), moved.ToSplit(new MirrorTarget("v2", 5)).Mirror);
        Assert.Equal(original, Editor(("v1", 50), ("v2", 50)));
    }

    [Fact]
    public void Any_sequence_of_moves_keeps_the_sum_at_100()
    {
        var random = new Random(42);
        WeightEditor editor = WeightEditor.Even(["a", "b", "c", "d"]);
        string[] versions = ["a", "b", "c", "d"];
        for (int step = 0; step < 500; step++)
        {
            string version = versions[random.Next(versions.Length)];
            editor = random.Next(6) switch
            {
                0 => editor.ToggleLock(version),
                1 => editor.EvenlyDistribute(),
                _ => editor.Set(version, random.Next(-20, 130)),
            };

            Assert.Equal(100, editor.Sum);
            Assert.All(editor.Slots, static s => Assert.InRange(s.Weight, 0, 100));
        }
    }
}
