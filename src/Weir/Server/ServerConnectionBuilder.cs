using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Weir;

/// <summary>
/// A listener's pipeline under construction. It knows its endpoint so that a pipeline with no handler at its
/// end fails naming it.
/// </summary>
internal sealed class ServerConnectionBuilder(IServiceProvider applicationServices, EndPoint endPoint) : IConnectionBuilder
{
    private readonly List<Func<ConnectionDelegate, ConnectionDelegate>> _components = [];

    public IServiceProvider ApplicationServices { get; } = applicationServices;

    public int Count => _components.Count;

    public IConnectionBuilder Use(Func<ConnectionDelegate, ConnectionDelegate> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _components.Add(middleware);
        return this;
    }

    public ConnectionDelegate Build()
    {
        // Reached only when every component called next: the pipeline has middleware but no handler.
        ConnectionDelegate app = _ => throw new InvalidOperationException(
            $"The connection pipeline of the listener on {endPoint} ended without a handler: end it with UseConnectionHandler<THandler>() or Run(...).");

        for (var i = _components.Count - 1; i >= 0; i--)
        {
            app = _components[i](app);
        }

        return app;
    }
}
