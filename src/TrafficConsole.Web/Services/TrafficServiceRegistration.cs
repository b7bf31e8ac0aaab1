namespace TrafficConsole.Web.Services;

/// <summary>Registers the service layer: one <see cref="TrafficService"/>, seen through each interface a caller needs.</summary>
public static class TrafficServiceRegistration
{
    /// <summary>
    /// Adds <see cref="ITrafficService"/> (the REST API and hub) and its narrow parts (<see cref="IServiceReader"/>,
    /// <see cref="IRoutingChanges"/>, <see cref="IRolloutHistory"/>, <see cref="ITrafficReadings"/>) that pages inject,
    /// all resolving to the same singleton.
    /// </summary>
    public static IServiceCollection AddTrafficService(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ITrafficService, TrafficService>();
        return services.AddTrafficServiceParts(static sp => sp.GetRequiredService<ITrafficService>());
    }

    /// <summary>Forwards the narrow interfaces to whatever <paramref name="service"/> resolves (the real service, or a test's fake).</summary>
    public static IServiceCollection AddTrafficServiceParts(this IServiceCollection services, Func<IServiceProvider, ITrafficService> service)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(service);
        services.AddSingleton<IServiceReader>(service);
        services.AddSingleton<IRoutingChanges>(service);
        services.AddSingleton<IRolloutHistory>(service);
        services.AddSingleton<ITrafficReadings>(service);
        return services;
    }
}
