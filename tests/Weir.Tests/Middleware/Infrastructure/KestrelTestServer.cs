using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.Diagnostics;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>
/// Real loopback sockets without Weir's own server: Kestrel's socket transport, and an accept loop that runs a
/// middleware pipeline per connection. Each connection gets a close-reason feature, reported when its pipeline
/// ends (<see cref="NextClosedAsync"/>).
/// </summary>
internal sealed class KestrelTestServer : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly ConnectionDelegate _pipeline;
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _acceptLoop;

    private KestrelTestServer(IConnectionListener listener, ConnectionDelegate pipeline)
    {
        _listener = listener;
        _pipeline = pipeline;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    public int Port => EndPoint.Port;

    private readonly Channel<(ConnectionContext Connection, ConnectionCloseReasonFeature CloseReason)> _closed =
        Channel.CreateUnbounded<(ConnectionContext, ConnectionCloseReasonFeature)>();

    /// <summary>Waits for the next connection whose pipeline ends, with the close reason recorded on it.</summary>
    public async Task<(ConnectionContext Connection, ConnectionCloseReasonFeature CloseReason)> NextClosedAsync() =>
        await _closed.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeouts.HangGuard);

    public static async Task<KestrelTestServer> StartAsync(IServiceProvider services, Action<ConnectionBuilder> configure, IPAddress? address = null)
    {
        var builder = new ConnectionBuilder(services);
        configure(builder);
        var factory = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var listener = await factory.BindAsync(new IPEndPoint(address ?? IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        return new KestrelTestServer(listener, builder.Build());
    }

    private async Task AcceptLoopAsync()
    {
        while (await _listener.AcceptAsync() is { } connection)
        {
            var task = RunAsync(connection);
            _connections.TryAdd(task, 0);
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task RunAsync(ConnectionContext connection)
    {
        await Task.Yield();
        var closeReason = new ConnectionCloseReasonFeature();
        connection.Features.Set<IConnectionCloseReasonFeature>(closeReason);
        try
        {
            await _pipeline(connection);
        }
        catch (Exception exception)
        {
            closeReason.TrySetReason(ConnectionCloseReason.ApplicationError, exception);
        }
        finally
        {
            _closed.Writer.TryWrite((connection, closeReason));
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync();
        await _acceptLoop.WaitAsync(TestTimeouts.HangGuard);
        await Task.WhenAll(_connections.Keys).WaitAsync(TestTimeouts.HangGuard);
        await _listener.DisposeAsync();
    }
}
