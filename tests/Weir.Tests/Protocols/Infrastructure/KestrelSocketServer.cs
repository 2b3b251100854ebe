using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Weir.Tests.Protocols.Infrastructure;

/// <summary>
/// A real loopback server on 127.0.0.1:0 with Kestrel's socket transport and a bare accept loop, so the sample
/// handlers are tested against real sockets and real clients before Weir's own server exists.
/// </summary>
internal sealed class KestrelSocketServer : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly ConcurrentDictionary<ConnectionContext, Task> _live = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly Task _accepting;

    private KestrelSocketServer(IConnectionListener listener, ConnectionDelegate application)
    {
        _listener = listener;
        _accepting = AcceptAsync(application);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    public int Port => EndPoint.Port;

    /// <summary>Gets what handlers threw, other than the connection ending under them.</summary>
    public IReadOnlyCollection<Exception> Errors => _errors;

    public static async Task<KestrelSocketServer> StartAsync(ConnectionDelegate application)
    {
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return new KestrelSocketServer(listener, application);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var connection in _live.Keys)
        {
            connection.Abort();
        }

        await Task.WhenAll(_live.Values).WaitAsync(TimeSpan.FromSeconds(30));
        await _listener.DisposeAsync();
    }

    private async Task AcceptAsync(ConnectionDelegate application)
    {
        while (await _listener.AcceptAsync() is { } connection)
        {
            _live[connection] = RunAsync(connection, application);
        }
    }

    private async Task RunAsync(ConnectionContext connection, ConnectionDelegate application)
    {
        await Task.Yield();
        try
        {
            await application(connection);
        }
        catch (Exception e) when (e is not (ConnectionAbortedException or ConnectionResetException or OperationCanceledException))
        {
            _errors.Enqueue(e);
        }
        catch (Exception)
        {
            // The connection ended under the handler: the peer or the test closed it.
        }
        finally
        {
            await connection.DisposeAsync();
            _live.TryRemove(connection, out _);
        }
    }
}
