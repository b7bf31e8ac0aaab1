using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TrafficConsole.Mesh.Routing;

/// <summary>DNS-1123 subset names derived from version label values, stable and collision-free per service.</summary>
public static partial class SubsetNames
{
    public const int MaxLength = 63;

    /// <summary>The name of a subset for a version label value: <c>v1</c> stays, <c>1.0</c> becomes <c>v1-0</c>.</summary>
    /// <remarks>Lower-cases, turns every character outside [a-z0-9-] into '-', squeezes and trims dashes,
    /// prefixes 'v' when the result starts with a digit (so it reads as a version) and keeps it within 63
    /// characters by cutting and appending a hash of the original value.</remarks>
    public static string For(string versionLabel)
    {
        ArgumentNullException.ThrowIfNull(versionLabel);
        var builder = new StringBuilder(versionLabel.Length + 1);
        foreach (char c in versionLabel.ToLowerInvariant())
        {
            bool valid = c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (valid)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        string name = builder.ToString().Trim('-');
        if (name.Length == 0)
        {
            return versionLabel.Length == 0 ? "unversioned" : "v-" + ShortHash(versionLabel);
        }

        if (char.IsAsciiDigit(name[0]))
        {
            name = "v" + name;
        }

        return name.Length <= MaxLength ? name : WithSuffix(name, ShortHash(versionLabel));
    }

    /// <summary>
    /// Assigns a subset name to each version label value. Values whose <see cref="For"/> names collide get a
    /// hash of the value appended, so the result does not depend on the order or on the other versions
    /// beyond the collision itself. Names in <paramref name="taken"/> are avoided too.
    /// </summary>
    public static ImmutableDictionary<string, string> Assign(IEnumerable<string> versions, IEnumerable<string>? taken = null)
    {
        ArgumentNullException.ThrowIfNull(versions);
        string[] distinct = [.. versions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var used = new HashSet<string>(taken ?? [], StringComparer.Ordinal);
        ImmutableDictionary<string, string>.Builder result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);

        ILookup<string, string> byName = distinct.ToLookup(For, StringComparer.Ordinal);
        foreach (IGrouping<string, string> group in byName.OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            // A value that is already a valid name keeps it even when others would collide with it.
            string? owner = group.Count() == 1 ? group.First() : group.FirstOrDefault(v => string.Equals(v, group.Key, StringComparison.Ordinal));
            foreach (string version in group)
            {
                string candidate = string.Equals(version, owner, StringComparison.Ordinal) && !used.Contains(group.Key)
                    ? group.Key
                    : WithSuffix(group.Key, ShortHash(version));
                for (int attempt = 2; used.Contains(candidate); attempt++)
                {
                    candidate = WithSuffix(group.Key, ShortHash(version) + attempt.ToString(CultureInfo.InvariantCulture));
                }

                used.Add(candidate);
                result.Add(version, candidate);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>True when <paramref name="name"/> is a valid DNS-1123 label (what Istio requires of subset names).</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && Dns1123Label().IsMatch(name);

    private static string WithSuffix(string name, string suffix)
    {
        int keep = Math.Min(name.Length, MaxLength - suffix.Length - 1);
        return name[..keep].TrimEnd('-') + "-" + suffix;
    }

    private static string ShortHash(string value)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        return Convert.ToHexStringLower(hash)[..6];
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();
}
