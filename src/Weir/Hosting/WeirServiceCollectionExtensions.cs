using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Weir.Hosting;

/// <summary>Registers a Weir server with the generic host.</summary>
public static class WeirServiceCollectionExtensions
{
    /// <summary>
    /// Runs a Weir server as a hosted service, configured in code. Calling it again adds to the same server's
    /// options; the server is built and its options validated when the host starts.
    /// </summary>
    public static IServiceCollection AddWeirServer(this IServiceCollection services, Action<WeirServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services, sectionPath: string.Empty).Configure(configure);
        return services;
    }

    /// <summary>
    /// Runs a Weir server as a hosted service, with endpoints and timeouts bound from <paramref name="configuration"/>
    /// (the <c>Weir</c> section by convention: <c>ShutdownTimeout</c>, <c>Endpoints:&lt;Name&gt;:Url</c>,
    /// <c>:MaxConnections</c>, <c>:IdleTimeout</c>) and the transport and pipelines set by <paramref name="configure"/>.
    /// Invalid settings fail the host's start with a message naming each one.
    /// </summary>
    public static IServiceCollection AddWeirServer(this IServiceCollection services, IConfiguration configuration, Action<WeirServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = AddCore(services, (configuration as IConfigurationSection)?.Path ?? string.Empty).Bind(configuration);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    private static OptionsBuilder<WeirServerOptions> AddCore(IServiceCollection services, string sectionPath)
    {
        services.TryAddSingleton<WeirHostedService>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<WeirServerOptions>) && d.ImplementationInstance is WeirServerOptionsValidator))
        {
            services.AddSingleton<IValidateOptions<WeirServerOptions>>(new WeirServerOptionsValidator(sectionPath));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WeirHostedService>());
        }

        return services.AddOptions<WeirServerOptions>().ValidateOnStart();
    }
}
