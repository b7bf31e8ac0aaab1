namespace TrafficConsole.Web.Services;

/// <summary>The codes and paths of YAML mode's own findings (documented in docs/validation.md, TC0xxx).</summary>
public static class YamlModeCodes
{
    /// <summary>The YAML does not parse, or is not a resource of the expected kind/apiVersion, or lacks a name.</summary>
    public const string Invalid = "TC0002";

    /// <summary>The YAML carries a resourceVersion the cluster no longer has: someone changed the resource since.</summary>
    public const string Conflict = "TC0003";

    /// <summary>The YAML names another resource than the service's (another name or namespace).</summary>
    public const string WrongTarget = "TC0004";

    /// <summary>Path of findings about the VirtualService text.</summary>
    public const string VirtualServicePath = "yaml.virtualService";

    /// <summary>Path of findings about the DestinationRule text.</summary>
    public const string DestinationRulePath = "yaml.destinationRule";
}
