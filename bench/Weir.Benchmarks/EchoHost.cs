using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using KestrelSockets = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Weir.Benchmarks;

/// <summary>
/// An echo server on one transport (Weir's or Kestrel's), in this process, with the same handler for both,
/// so a benchmark measures the transports and nothing else.
/// </summary>
internal sealed class EchoHost : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly IAsyncDisposable? _transport;
    private readonly Task _acceptLoop;

    private EchoHost(IConnectionListener listener, IAsyncDisposable? transport)
    {
        _listener = listener;
        _transport = transport;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.EndPoint;

    public static async Task<EchoHost> StartAsync(string transport)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        switch (transport)
        {
            case "weir":
                var weir = new Sockets.SocketTransport(new Sockets.SocketTransportOptions(), NullLoggerFactory.Instance);
                return new EchoHost(await weir.BindAsync(endPoint), weir);
            case "kestrel":
                var kestrel = new KestrelSockets.SocketTransportFactory(
                    Options.Create(new KestrelSockets.SocketTransportOptions()), NullLoggerFactory.Instance);
                return new EchoHost(await kestrel.BindAsync(endPoint), null);
            default:
                throw new ArgumentException($"Unknown transport '{transport}'.", nameof(transport));
        }
    }

    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.UnbindAsync();
        await _listener.DisposeAsync();
        await _acceptLoop;
        if (_transport is not null)
        {
            await _transport.DisposeAsync();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (await _listener.AcceptAsync() is { } connection)
        {
            _ = EchoAsync(connection);
        }
    }

    private static async Task EchoAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                await output.FlushAsync();
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
            await connection.DisposeAsync();
        }
    }
}
