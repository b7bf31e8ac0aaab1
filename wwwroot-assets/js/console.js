// Small browser helpers the Blazor UI calls through JS interop (loaded as an ES module).

const darkModeKey = "trafficconsole.darkMode";

/** Returns "dark", "light", or null when the user never chose. */
export function loadDarkMode() {
  try {
    const value = window.localStorage.getItem(darkModeKey);
    return value === "dark" || value === "light" ? value : null;
  } catch {
    return null;
  }
}

export function saveDarkMode(isDark) {
  try {
    window.localStorage.setItem(darkModeKey, isDark ? "dark" : "light");
  } catch {
    // Private windows may refuse storage; the toggle still works for this session.
  }
}
