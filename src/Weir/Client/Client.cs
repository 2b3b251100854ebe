using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// Opens connections through a transport and runs each through the client's middleware before handing it to the
/// caller (see <see cref="ClientBuilder"/> for how the pipeline unwinds). Made by <see cref="ClientBuilder"/>.
/// </summary>
/// <remarks>
/// Disposing the client disposes the transport it made itself (<see cref="ClientBuilder.UseSockets"/>, or no
/// transport set); dispose the connections first. A transport given to <see cref="ClientBuilder.UseTransport"/> is
/// left to its owner.
/// </remarks>
public sealed class Client : IConnectionFactory, IAsyncDisposable
{
    private readonly IConnectionFactory _transport;
    private readonly IAsyncDisposable? _ownedTransport;
    private readonly Func<ConnectionDelegate, ConnectionDelegate>[] _components;
    private readonly ILogger _logger;

    internal Client(
        IConnectionFactory transport, IAsyncDisposable? ownedTransport, Func<ConnectionDelegate, ConnectionDelegate>[] components, IServiceProvider services)
    {
        _transport = transport;
        _ownedTransport = ownedTransport;
        _components = components;
        _logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<Client>();
    }

    /// <summary>Connects to <paramref name="endpoint"/> and runs the middleware; returns once the innermost one has passed the connection on.</summary>
    /// <returns>The connection as the middleware left it; dispose it to close the connection and unwind the middleware.</returns>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var connection = await _transport.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (_components.Length == 0)
        {
            WeirLog.ClientConnected(_logger, connection.ConnectionId, endpoint);
            return connection;
        }

        var client = new ClientConnection(connection, endpoint, _logger);
        var pipeline = Compose(_components, client.HoldUntilDisposedAsync);
        client.Start(pipeline);
        try
        {
            await client.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            WeirLog.ClientPipelineFailed(_logger, endpoint, ex);
            connection.Abort(new ConnectionAbortedException("The client connection did not get through its middleware.", ex));
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        WeirLog.ClientConnected(_logger, client.ConnectionId, endpoint);
        return client;
    }

    /// <summary>Disposes the transport the client made, if it made one.</summary>
    public ValueTask DisposeAsync() => _ownedTransport?.DisposeAsync() ?? ValueTask.CompletedTask;

    internal static ConnectionDelegate Compose(IReadOnlyList<Func<ConnectionDelegate, ConnectionDelegate>> components, ConnectionDelegate terminal)
    {
        var app = terminal;
        for (var i = components.Count - 1; i >= 0; i--)
        {
            app = components[i](app);
        }

        return app;
    }
}
