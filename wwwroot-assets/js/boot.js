// Paint the stored theme's background before the circuit connects, so dark mode does not flash white.
// A file rather than an inline script, so the Content-Security-Policy needs no 'unsafe-inline' for scripts.
try { if (localStorage.getItem("trafficconsole.darkMode") === "dark") document.documentElement.classList.add("tc-dark-boot"); } catch { }
