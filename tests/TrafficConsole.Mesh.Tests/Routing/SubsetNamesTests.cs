using TrafficConsole.Mesh.Routing;

namespace TrafficConsole.Mesh.Tests.Routing;

public class SubsetNamesTests
{
    [Theory]
    [InlineData("v1", "v1")]
    [InlineData("1.0", "v1-0")]
    [InlineData("V2", "v2")]
    [InlineData("2.0.0-RC_1", "v2-0-0-rc-1")]
    [InlineData("canary", "canary")]
    [InlineData("release/2024.05", "release-2024-05")]
    [InlineData("-beta-", "beta")]
    [InlineData("a..b", "a-b")]
    [InlineData("", "unversioned")]
    public void For_makes_readable_DNS_1123_labels(string label, string expected)
    {
        string name = SubsetNames.For(label);

        Assert.Equal(expected, name);
        Assert.True(SubsetNames.IsValid(name));
    }

    [Fact]
    public void For_is_stable_and_valid_for_hostile_input()
    {
        string[] labels = ["___", "é", new string('x', 100), "9" + new string('.', 70) + "9", "ÄÖÜ-1.2"];
        foreach (string label in labels)
        {
            string name = SubsetNames.For(label);
            Assert.True(SubsetNames.IsValid(name), $"'{name}' from '{label}'");
            Assert.True(name.Length <= 63);
            Assert.Equal(name, SubsetNames.For(label));
        }
    }

    [Fact]
    public void Long_labels_are_cut_with_a_hash_so_they_stay_distinct()
    {
        string a = SubsetNames.For(new string('a', 80) + "1");
        string b = SubsetNames.For(new string('a', 80) + "2");

        Assert.Equal(63, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Assign_resolves_collisions_within_a_service()
    {
        var names = SubsetNames.Assign(["v1.0", "v1-0", "V1_0", "v2"]);

        Assert.Equal("v1-0", names["v1-0"]);
        Assert.Equal("v2", names["v2"]);
        Assert.Equal(4, names.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names.Values, static n => Assert.True(SubsetNames.IsValid(n)));
        Assert.StartsWith("v1-0-", names["v1.0"], StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_does_not_depend_on_input_order()
    {
        var forward = SubsetNames.Assign(["1.0", "1_0", "1-0", "v3"]);
        var backward = SubsetNames.Assign(["v3", "1-0", "1_0", "1.0"]);

        Assert.Equal(forward.OrderBy(static p => p.Key, StringComparer.Ordinal), backward.OrderBy(static p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Assign_avoids_names_already_taken()
    {
        var names = SubsetNames.Assign(["v1"], taken: ["v1"]);

        Assert.NotEqual("v1", names["v1"]);
        Assert.StartsWith("v1-", names["v1"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1", true)]
    [InlineData("1", true)]
    [InlineData("V1", false)]
    [InlineData("v1.0", false)]
    [InlineData("-v1", false)]
    [InlineData("v1-", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValid_checks_DNS_1123_labels(string? name, bool valid)
    {
        Assert.Equal(valid, SubsetNames.IsValid(name));
        Assert.False(SubsetNames.IsValid(new string('a', 64)));
    }
}
