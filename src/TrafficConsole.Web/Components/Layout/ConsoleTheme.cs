using MudBlazor;

namespace TrafficConsole.Web.Components.Layout;

/// <summary>The console's MudBlazor theme: calm neutrals so the per-version colours carry the meaning.</summary>
public static class ConsoleTheme
{
    private static readonly string[] FontStack =
        ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "DejaVu Sans", "sans-serif"];

    /// <summary>The theme the layout hands to <c>MudThemeProvider</c>.</summary>
    public static MudTheme Theme { get; } = new()
    {
        // Primary, Tertiary, Secondary, Info, Success and Dark are also the version colours
        // (see VersionPalette), so they are picked to be told apart at a glance in both modes, and dark enough in light
        // mode (light enough in dark) that text on them and in their alerts meets WCAG AA (axe, AccessibilityTests).
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#db2777",
            Tertiary = "#0f766e",
            Info = "#0369a1",
            Success = "#4d7c0f",
            Warning = "#c2410c",
            Error = "#dc2626",
            Dark = "#7c3aed",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2937",
            Background = "#f6f7fb",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "#374151",
            TextPrimary = "#111827",
            TextSecondary = "#4b5563",
            LinesDefault = "#e5e7eb",
            TableLines = "#eef0f4",
            Divider = "#e5e7eb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#f472b6",
            Tertiary = "#2dd4bf",
            Info = "#38bdf8",
            Success = "#a3e635",
            Warning = "#fb923c",
            Error = "#f87171",
            Dark = "#a78bfa",
            // The dark palette's colours are light: text on top of them must be dark to stay readable.
            PrimaryContrastText = "#0b0d14",
            SecondaryContrastText = "#0b0d14",
            TertiaryContrastText = "#0b0d14",
            InfoContrastText = "#0b0d14",
            SuccessContrastText = "#0b0d14",
            WarningContrastText = "#0b0d14",
            ErrorContrastText = "#0b0d14",
            DarkContrastText = "#0b0d14",
            AppbarBackground = "#151823",
            AppbarText = "#e5e7eb",
            Background = "#0f111a",
            Surface = "#171a26",
            DrawerBackground = "#151823",
            DrawerText = "#d1d5db",
            TextPrimary = "#e5e7eb",
            TextSecondary = "#9ca3af",
            LinesDefault = "#2a2f3f",
            TableLines = "#232838",
            Divider = "#2a2f3f",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack },
            // Sentence-case buttons read calmer than Material's all-caps in a dense tool.
            Button = new ButtonTypography { TextTransform = "none", FontWeight = "600", LetterSpacing = "0" },
        },
        LayoutProperties = new LayoutProperties
        {
            DefaultBorderRadius = "8px",
            AppbarHeight = "60px",
            DrawerWidthLeft = "232px",
        },
    };
}
