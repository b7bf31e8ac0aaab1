using System.Collections.Immutable;

namespace TrafficConsole.Sandbox.Api;

/// <summary>One kind of object the sandbox serves: its REST name, versions and behaviour flags.</summary>
public sealed record ResourceType
{
    public required string Group { get; init; }
    public required ImmutableArray<string> Versions { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public ImmutableArray<string> ShortNames { get; init; } = [];
    public ImmutableArray<string> Categories { get; init; } = [];

    /// <summary>True for CustomResourceDefinition-backed kinds (Istio, Gateway API): they refuse strategic merge patches.</summary>
    public bool IsCustom { get; init; }

    /// <summary>Whether writes to the main resource keep the stored status (status is written through /status).</summary>
    public bool HasStatusSubresource { get; init; }

    public bool HasScaleSubresource { get; init; }

    /// <summary>Whether metadata.generation is kept (bumped on spec changes).</summary>
    public bool HasGeneration { get; init; }

    /// <summary>
    /// Review kinds (access reviews, whoami): answered on create, never stored, so they only have "create".
    /// </summary>
    public bool IsReview { get; init; }

    public ImmutableArray<string> Verbs => IsReview ? ["create"] : AllVerbs;

    /// <summary>The name rule for metadata.name.</summary>
    public NameRule NameRule { get; init; } = NameRule.Subdomain;

    /// <summary>The version objects are stored in; other versions are views of the same object.</summary>
    public string StorageVersion => Versions[0];

    /// <summary>"virtualservices.networking.istio.io" or "services" for the core group: the name used in messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    public string GroupVersionPath(string version) => Group.Length == 0 ? $"/api/{version}" : $"/apis/{Group}/{version}";

    public static ImmutableArray<string> AllVerbs { get; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}

/// <summary>How metadata.name is validated, as the real API server does per kind.</summary>
public enum NameRule
{
    /// <summary>DNS-1123 subdomain (most kinds).</summary>
    Subdomain,

    /// <summary>DNS-1123 label (namespaces).</summary>
    Label,

    /// <summary>DNS-1035 label (services).</summary>
    Dns1035Label,

    /// <summary>Path segment name (RBAC kinds): anything but "/", "%", "." and "..".</summary>
    PathSegment,
}
