using System.Net;
using ChatServer;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.Samples;

var port = SampleArguments.Port(args, 5000);
var handler = new ChatConnectionHandler(new ChatRoom());

// Kestrel's socket transport for now; any IConnectionListenerFactory serves.
var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, port));
Console.WriteLine($"listening on {listener.EndPoint}");

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

await AcceptLoop.RunAsync(listener, handler.OnConnectedAsync, stopping.Token);
await listener.DisposeAsync();
