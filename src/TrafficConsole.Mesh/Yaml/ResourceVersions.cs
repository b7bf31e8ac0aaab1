using System.Text.Json.Nodes;

namespace TrafficConsole.Mesh.Yaml;

/// <summary>The <c>metadata.resourceVersion</c> of a resource typed as YAML: the optimistic-concurrency token it carries.</summary>
public static class ResourceVersions
{
    /// <summary>
    /// The YAML document without its <c>metadata.resourceVersion</c>, for re-applying a draft over a newer state on
    /// purpose. Works on the parsed document (a value that merely looks like <c>resourceVersion:</c> is kept); YAML
    /// without one, or that does not parse as a mapping, is returned as it was (applying it reports the problem).
    /// </summary>
    public static string Remove(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (string.IsNullOrWhiteSpace(yaml))
        {
            return yaml;
        }

        JsonNode? document;
        try
        {
            document = ResourceYaml.ToJson(yaml);
        }
        catch (ResourceYamlException)
        {
            return yaml;
        }

        if (document is not JsonObject { } root || root["metadata"] is not JsonObject metadata || !metadata.ContainsKey("resourceVersion"))
        {
            return yaml;
        }

        metadata.Remove("resourceVersion");
        return ResourceYaml.FromJson(root);
    }
}
