using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace TrafficConsole.Sandbox.Api.Routing;

/// <summary>
/// The sandbox's route table: the Kubernetes URL shapes mapped onto one endpoint class per verb family. Resource paths
/// overlap in ways a route pattern cannot tell apart (a namespace is itself a resource, a name may equal a subresource
/// keyword, <c>watch/</c> may prefix either), so each group version has one catch-all per verb and
/// <see cref="ResourceRequest.Resolve"/> reads the rest, as kube-apiserver's RequestInfoFactory does.
/// </summary>
internal static class ApiRoutes
{
    // Lower orders win: discovery's exact paths, then a verb's resource route, then any other verb, then not found.
    private const int ResourceOrder = 1;
    private const int OtherVerbOrder = 2;

    public static void MapKubernetesApi(this IEndpointRouteBuilder routes, DiscoveryEndpoints discovery, ResourceGate gate,
        ReadEndpoints reads, WriteEndpoints writes, DeleteEndpoints deletes)
    {
        routes.Map("/", discovery.RootAsync);
        foreach (var health in (string[])["/healthz", "/livez", "/readyz"])
        {
            routes.Map(health + "/{**check}", discovery.HealthAsync);
        }

        routes.Map("/version", discovery.VersionAsync);
        routes.Map("/openapi/{**document}", discovery.OpenApiAsync);
        routes.Map("/api", discovery.CoreGroupAsync);
        routes.Map("/apis", discovery.GroupsAsync);
        routes.Map("/apis/{group}", discovery.GroupAsync);
        routes.Map("/api/v1", discovery.ResourcesAsync);
        routes.Map("/apis/{group}/{version}", discovery.ResourcesAsync);

        MapResources(routes.MapGroup("/api/v1"), gate, reads, writes, deletes);
        MapResources(routes.MapGroup("/apis/{group}/{version}"), gate, reads, writes, deletes);

        // Not MapFallback: its pattern skips paths that look like file names, and every path must answer with a Status.
        routes.Map("/{**path}", discovery.NotFoundAsync).WithOrder(int.MaxValue);
    }

    private static void MapResources(RouteGroupBuilder group, ResourceGate gate, ReadEndpoints reads, WriteEndpoints writes, DeleteEndpoints deletes)
    {
        var path = $"/{{**{ResourceGate.PathValue}}}";
        group.MapGet(path, reads.GetAsync).WithOrder(ResourceOrder);
        group.MapPost(path, writes.CreateAsync).WithOrder(ResourceOrder);
        group.MapPut(path, writes.ReplaceAsync).WithOrder(ResourceOrder);
        group.MapPatch(path, writes.PatchAsync).WithOrder(ResourceOrder);
        group.MapDelete(path, deletes.DeleteAsync).WithOrder(ResourceOrder);

        // HEAD, OPTIONS and the like: authorized as kube-apiserver derives their verb, then refused.
        group.Map(path, context =>
        {
            gate.Admit(context);
            throw Wire.MethodNotAllowed();
        }).WithOrder(OtherVerbOrder);
    }
}
