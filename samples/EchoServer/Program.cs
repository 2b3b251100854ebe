using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServer;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.Sockets;
using KestrelOptions = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions;

var settings = CommandLine.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: EchoServer [--port N | --unix PATH] [--transport weir|kestrel] [--accept-sockets N] [--reuse-port]");
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

var factory = settings.Kestrel
    ? (IConnectionListenerFactory)new SocketTransportFactory(Options.Create(new KestrelOptions()), NullLoggerFactory.Instance)
    : new SocketTransport(new Weir.Sockets.SocketTransportOptions { AcceptSocketCount = settings.AcceptSockets, ReusePort = settings.ReusePort });
EndPoint endPoint = settings.UnixPath is { } path
    ? new UnixDomainSocketEndPoint(path)
    : new IPEndPoint(IPAddress.Loopback, settings.Port);

var listener = await factory.BindAsync(endPoint);
Console.WriteLine($"listening on {listener.EndPoint}");

var loop = new AcceptLoop(listener, EchoHandler.RunAsync);
var accepting = loop.RunAsync();
try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: stop below.
}

await listener.UnbindAsync();
await accepting;
await loop.AbortAllAsync();
await listener.DisposeAsync();
if (factory is IAsyncDisposable disposable)
{
    await disposable.DisposeAsync();
}

Console.WriteLine($"stats allocated={GC.GetTotalAllocatedBytes(precise: true)} connections={loop.Accepted}");
return 0;
