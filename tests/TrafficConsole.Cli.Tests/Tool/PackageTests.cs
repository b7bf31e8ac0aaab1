using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

using TrafficConsole.Cli.Tests.Infrastructure;

namespace TrafficConsole.Cli.Tests.Tool;

/// <summary>
/// The tool as users get it: <c>dotnet pack</c> makes a DotnetTool package with the command <c>trafficconsole</c>,
/// and <c>dotnet tool install</c> of that package gives a command that works. Packs the build under test
/// (<c>--no-build</c>), so it takes seconds.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("trafficconsole-pack-");

    [Fact]
    public async Task Pack_makes_a_DotnetTool_package_whose_installed_command_runs()
    {
        string output = Path.Combine(_work.FullName, "out");
        CliRun pack = await ProcessRunner.RunAsync(
            "dotnet",
            ["pack", Path.Combine(RepositoryRoot(), "src", "TrafficConsole.Cli"), "--no-build", "--no-restore", "-c", Configuration(), "-o", output, "-nologo"],
            _work.FullName);
        Assert.True(pack.ExitCode == 0, pack.ToString());

        string package = Assert.Single(Directory.GetFiles(output, "*.nupkg"));
        Assert.Equal("trafficconsole.0.1.0.nupkg", Path.GetFileName(package));
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            XDocument nuspec = Load(zip, "trafficconsole.nuspec");
            XNamespace ns = nuspec.Root!.Name.Namespace;
            Assert.Equal("trafficconsole", nuspec.Root.Descendants(ns + "id").Single().Value);
            Assert.Contains(nuspec.Root.Descendants(ns + "packageType"), static t => (string?)t.Attribute("name") == "DotnetTool");

            XDocument settings = Load(zip, "tools/net10.0/any/DotnetToolSettings.xml");
            XElement command = Assert.Single(settings.Descendants("Command"));
            Assert.Equal("trafficconsole", (string?)command.Attribute("Name"));
            Assert.Equal("TrafficConsole.Cli.dll", (string?)command.Attribute("EntryPoint"));
            Assert.NotNull(zip.GetEntry("tools/net10.0/any/TrafficConsole.Mesh.dll"));
            Assert.NotNull(zip.GetEntry("README.md"));
        }

        // Install from that folder only (and into an empty package cache, so no older 0.1.0 is picked up).
        string config = Path.Combine(_work.FullName, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{output}" />
              </packageSources>
            </configuration>
            """);
        string tools = Path.Combine(_work.FullName, "tools");
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "packages") };
        CliRun install = await ProcessRunner.RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--configfile", config, "trafficconsole"], _work.FullName, environment);
        Assert.True(install.ExitCode == 0, install.ToString());

        string trafficconsole = Path.Combine(tools, OperatingSystem.IsWindows() ? "trafficconsole.exe" : "trafficconsole");
        CliRun run = await ProcessRunner.RunAsync(
            trafficconsole,
            ["simulate", Infrastructure.Cli.Sample("bookinfo/virtual-service-reviews-80-20.yaml"), Infrastructure.Cli.Sample("bookinfo/destination-rule-all.yaml"), "--host", "reviews"],
            _work.FullName);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("80%  reviews, version v1 (subset v1)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("20%  reviews, version v2 (subset v2)", run.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);

    private static XDocument Load(ZipArchive zip, string entry)
    {
        ZipArchiveEntry found = zip.GetEntry(entry) ?? throw new InvalidOperationException($"the package has no {entry}");
        using Stream stream = found.Open();
        return XDocument.Load(stream);
    }

    /// <summary>The configuration this test assembly (and so the tool next to it) was built in.</summary>
    private static string Configuration() =>
        typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TrafficConsole.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no TrafficConsole.sln above {AppContext.BaseDirectory}");
    }
}
