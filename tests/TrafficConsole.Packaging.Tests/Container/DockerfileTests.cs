using System.Text.RegularExpressions;
using System.Xml.Linq;
using TrafficConsole.Packaging.Tests.Infrastructure;

namespace TrafficConsole.Packaging.Tests.Container;

/// <summary>
/// No Docker engine runs here, so these read docker/Dockerfile and .dockerignore: the image restores
/// from the central package files, publishes the web project, runs as non-root on port 8080, and its
/// build context holds what it copies. PublishedConsoleTests runs what the image runs.
/// </summary>
public sealed class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load(RepoPaths.Dockerfile);

    [Fact]
    public void Build_stage_restores_from_the_project_files_then_publishes_the_web_project_in_release()
    {
        DockerStage build = _dockerfile.Stages[0];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", build.BaseImage, StringComparison.Ordinal);

        int restore = IndexOf(build, "RUN", "dotnet restore src/TrafficConsole.Web/TrafficConsole.Web.csproj");
        int copySources = IndexOf(build, "COPY", "src/ src/");
        int publish = IndexOf(build, "RUN", "dotnet publish src/TrafficConsole.Web/TrafficConsole.Web.csproj");
        Assert.True(restore < copySources && copySources < publish, "restore must come before the sources are copied (layer caching), publish after");
        Assert.Matches(new Regex(@"(--configuration|-c) Release"), build.Instructions[publish].Arguments);

        // Everything restore needs is copied before it: central package files and every project the web project references.
        string copied = string.Join('\n', build.Instructions.Take(restore).Where(static i => i.Keyword == "COPY").Select(static i => i.Arguments));
        foreach (string file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" }.Concat(ProjectClosure(RepoPaths.WebProject)))
        {
            Assert.True(copied.Contains(file, StringComparison.Ordinal), $"{file} is not copied before 'dotnet restore'");
        }
    }

    [Fact]
    public void Runtime_stage_is_the_aspnet_image_running_the_console_as_uid_1654_on_port_8080()
    {
        DockerStage runtime = _dockerfile.Final;
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", runtime.BaseImage, StringComparison.Ordinal);
        Assert.Equal("1654", runtime.All("USER").Last().Arguments);
        Assert.Equal("8080", runtime.All("EXPOSE").Single().Arguments);
        Assert.DoesNotContain(_dockerfile.Instructions, static i => i.Keyword == "HEALTHCHECK");
        Assert.Equal(["dotnet", "TrafficConsole.Web.dll"], runtime.Entrypoint());

        IReadOnlyDictionary<string, string> env = runtime.Environment();
        Assert.Equal("http://+:8080", env["ASPNETCORE_URLS"]);
        Assert.Equal("InCluster", env["Cluster__Mode"]);
        Assert.Equal("json", env["Logging__Format"]);

        // With a read-only root filesystem only /tmp is writable: whatever the app may write goes there.
        Assert.StartsWith("/tmp", env["HOME"], StringComparison.Ordinal);
        Assert.StartsWith("/tmp/", env["Sandbox__DataDir"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_context_holds_what_the_dockerfile_copies_and_leaves_build_output_out()
    {
        DockerIgnore ignore = DockerIgnore.Load(RepoPaths.DockerIgnore);
        foreach (string path in new[] { "src/TrafficConsole.Web/bin/Debug/x.dll", "src/TrafficConsole.Mesh/obj/project.assets.json", ".git/HEAD", ".tools/bin/helm", "TestResults/a.trx", "artifacts/x" })
        {
            Assert.True(ignore.Excludes(path), $".dockerignore lets {path} into the build context");
        }

        foreach (DockerInstruction copy in _dockerfile.Instructions.Where(static i => i.Keyword == "COPY" && !i.Arguments.Contains("--from", StringComparison.Ordinal)))
        {
            string[] parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(static p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            foreach (string source in parts[..^1])
            {
                string full = Path.Combine(RepoPaths.Root, source);
                Assert.True(File.Exists(full) || Directory.Exists(full), $"line {copy.Line}: COPY {source} does not exist in the repository");
                Assert.False(ignore.Excludes(source), $"line {copy.Line}: COPY {source} is excluded by .dockerignore");
            }
        }
    }

    [Fact]
    public async Task The_chart_runs_the_image_as_its_user_on_its_port()
    {
        using var chart = new ChartRenderer();
        Manifest deployment = (await chart.RenderAsync(ValueSet.Defaults)).One("Deployment");
        var container = (IReadOnlyDictionary<string, object?>)deployment.List("spec", "template", "spec", "containers").Single()!;
        var port = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)container["ports"]!).Single()!;

        Assert.Equal(_dockerfile.Final.All("EXPOSE").Single().Arguments, port["containerPort"]);
        Assert.Equal(_dockerfile.Final.All("USER").Last().Arguments, deployment.Text("spec", "template", "spec", "securityContext", "runAsUser"));
    }

    private static int IndexOf(DockerStage stage, string keyword, string argumentsStart)
    {
        int index = stage.Instructions.ToList().FindIndex(i => i.Keyword == keyword && i.Arguments.StartsWith(argumentsStart, StringComparison.Ordinal));
        Assert.True(index >= 0, $"No '{keyword} {argumentsStart}...' in the build stage");
        return index;
    }

    /// <summary>Repository-relative paths of the project and every project it references, transitively.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([Path.GetFullPath(project)]);
        while (queue.TryDequeue(out string? next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (XElement reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                string include = ((string?)reference.Attribute("Include") ?? string.Empty).Replace('\\', '/');
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, include)));
            }
        }

        return seen.Select(static p => Path.GetRelativePath(RepoPaths.Root, p).Replace('\\', '/'));
    }
}
