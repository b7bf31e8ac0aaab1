namespace TrafficConsole.Cluster.Resources;

/// <summary>Where a custom resource lives in the API: group, served version, plural, kind.</summary>
public sealed record CustomResourceType(string Group, string Version, string Plural, string Kind)
{
    /// <summary><c>group/version</c>.</summary>
    public string ApiVersion => $"{Group}/{Version}";
}
