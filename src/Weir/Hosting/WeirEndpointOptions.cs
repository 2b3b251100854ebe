namespace Weir.Hosting;

/// <summary>One endpoint of a hosted Weir server, as configured under <c>Weir:Endpoints:&lt;Name&gt;</c>.</summary>
public sealed class WeirEndpointOptions
{
    /// <summary>
    /// Gets or sets where to listen: <c>tcp://127.0.0.1:5000</c>, <c>tcp://[::1]:5000</c>,
    /// <c>tcp://localhost:5000</c> (IPv4 loopback), <c>tcp://*:5000</c> (every interface) or
    /// <c>unix:/run/app.sock</c>. Port 0 takes a free port.
    /// </summary>
    /// <remarks>Required; no default.</remarks>
    public string? Url { get; set; }

    /// <summary>Gets or sets how many connections the endpoint may hold at once; the hosted server puts <c>UseConnectionLimit</c> first in the endpoint's pipeline.</summary>
    /// <remarks>Defaults to <see langword="null"/>: no limit. Must be positive when set; an endpoint without a limit
    /// can be made to hold connections until the process runs out of memory or descriptors.</remarks>
    public int? MaxConnections { get; set; }

    /// <summary>Gets or sets how long a connection may stay silent both ways; the hosted server adds <c>UseIdleTimeout</c> to the endpoint's pipeline.</summary>
    /// <remarks>Defaults to <see langword="null"/>: no timeout. Must be positive when set; without one, idle
    /// connections are kept forever.</remarks>
    public TimeSpan? IdleTimeout { get; set; }
}
