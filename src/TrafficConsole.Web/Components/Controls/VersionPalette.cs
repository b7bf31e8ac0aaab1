using MudBlazor;

namespace TrafficConsole.Web.Components.Controls;

/// <summary>
/// One colour per version of a service, the same in the weight bars, the slider of that version and
/// its chips. Colours come from the theme palette so they follow dark mode.
/// </summary>
public static class VersionPalette
{
    private static readonly (Color Color, string CssName)[] Entries =
    [
        (Color.Primary, "primary"),
        (Color.Tertiary, "tertiary"),
        (Color.Secondary, "secondary"),
        (Color.Info, "info"),
        (Color.Success, "success"),
        (Color.Dark, "dark"),
    ];

    /// <summary>The colour of the version at <paramref name="index"/> in the service's version list.</summary>
    public static Color ColorAt(int index) => index < 0 ? Color.Default : Entries[index % Entries.Length].Color;

    /// <summary>The CSS background of that colour (a theme variable).</summary>
    public static string CssAt(int index) =>
        index < 0 ? "var(--mud-palette-gray-default)" : $"var(--mud-palette-{Entries[index % Entries.Length].CssName})";

    /// <summary>The readable text colour on top of <see cref="CssAt"/>.</summary>
    public static string TextCssAt(int index) =>
        index < 0 ? "var(--mud-palette-white)" : $"var(--mud-palette-{Entries[index % Entries.Length].CssName}-text)";

    /// <summary>Index of a version by name in the service's versions (-1 when the version has no workload).</summary>
    public static int IndexOf(IReadOnlyList<string> versionNames, string version)
    {
        ArgumentNullException.ThrowIfNull(versionNames);
        for (int i = 0; i < versionNames.Count; i++)
        {
            if (string.Equals(versionNames[i], version, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
