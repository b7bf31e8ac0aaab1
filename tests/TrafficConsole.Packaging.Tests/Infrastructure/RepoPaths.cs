namespace TrafficConsole.Packaging.Tests.Infrastructure;

/// <summary>Where the repository and the shipped artifacts (chart, Dockerfile) are, found from the test binaries.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "helm", "traffic-console");

    public static string AllOptionsValues => Path.Combine(Chart, "ci", "all-options-values.yaml");

    public static string Dockerfile => Path.Combine(Root, "docker", "Dockerfile");

    public static string DockerIgnore => Path.Combine(Root, ".dockerignore");

    public static string WebProject => Path.Combine(Root, "src", "TrafficConsole.Web", "TrafficConsole.Web.csproj");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TrafficConsole.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No TrafficConsole.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
