using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Weir.Tests.Server;

namespace Weir.Tests.Protocols.Infrastructure;

/// <summary>
/// A sample's handler served as the sample serves it, by a Weir server on <c>UseSockets</c>, bound on 127.0.0.1
/// port 0; what the handler throws is read back from the server's log.
/// </summary>
internal sealed class SampleSocketServer : IAsyncDisposable
{
    // The server logs a pipeline that threw with this event.
    private const int HandlerFailedEventId = 103;

    private readonly ServiceProvider _services;
    private readonly Weir.Server _server;
    private IReadOnlyCollection<Exception>? _errorsAtStop;

    private SampleSocketServer(ServiceProvider services, Weir.Server server)
    {
        _services = services;
        _server = server;
    }

    public IPEndPoint EndPoint => (IPEndPoint)_server.EndPoints[0];

    public int Port => EndPoint.Port;

    /// <summary>Gets what handlers threw, other than the connection ending under them; after disposal, all they threw.</summary>
    public IReadOnlyCollection<Exception> Errors => _errorsAtStop ??
    [
        .. _services.Logs(HandlerFailedEventId)
            .Select(r => r.Exception!)
            .Where(e => e is not (ConnectionAbortedException or ConnectionResetException or OperationCanceledException)),
    ];

    public static async Task<SampleSocketServer> StartAsync(ConnectionDelegate application)
    {
        var services = TestServices.Create();
        var server = new ServerBuilder(services)
            .UseSockets(s => s.ListenLocalhost(0, c => c.Run(connection => application(connection))))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new SampleSocketServer(services, server);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        _errorsAtStop = Errors;
        await _services.DisposeAsync();
    }
}
