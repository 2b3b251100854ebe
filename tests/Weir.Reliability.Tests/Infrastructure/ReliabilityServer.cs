using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Weir.Buffers;
using Weir.Sockets;

namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>
/// A Weir server on the socket transport, bound to a fresh loopback port, whose logs are kept. Disposing it stops
/// the server and fails the test if any pool block is still out.
/// </summary>
internal sealed class ReliabilityServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _stopped;

    private ReliabilityServer(ServiceProvider services, SocketTransport transport, Server server)
    {
        _services = services;
        Transport = transport;
        Server = server;
    }

    public SocketTransport Transport { get; }

    public Server Server { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Server.EndPoints[0];

    public PinnedBlockMemoryPool Pool => Transport.MemoryPool;

    public static async Task<ReliabilityServer> StartAsync(
        Action<IConnectionBuilder> pipeline, SocketTransportOptions? options = null, LogLevel logLevel = LogLevel.Debug)
    {
        var services = new ServiceCollection()
            .AddLogging(b => b.AddFakeLogging().SetMinimumLevel(logLevel))
            .BuildServiceProvider();
        var transport = new SocketTransport(options, services.GetRequiredService<ILoggerFactory>());
        var server = new ServerBuilder(services)
            .UseTransport(transport, t => t.Listen(new IPEndPoint(IPAddress.Loopback, 0), pipeline))
            .Build();
        await server.StartAsync(Guard.Token).Within();
        return new ReliabilityServer(services, transport, server);
    }

    public IReadOnlyList<FakeLogRecord> Logs() => _services.GetFakeLogCollector().GetSnapshot();

    public IReadOnlyList<FakeLogRecord> Logs(int eventId) => [.. Logs().Where(r => r.Id.Id == eventId)];

    /// <summary>Stops the server, giving live connections <paramref name="grace"/> to finish.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var deadline = new CancellationTokenSource(grace);
        await Server.StopAsync(deadline.Token).Within(grace + Guard.Step);
        _stopped = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_stopped)
            {
                await StopAsync(TimeSpan.FromSeconds(10));
            }

            LeakCheck.AssertNoLiveBlocks(Pool);
        }
        finally
        {
            await Transport.DisposeAsync();
            await _services.DisposeAsync();
        }
    }
}
