// The packaging tests (Helm chart, container entry point) live in this project.
[assembly: CLSCompliant(false)]
