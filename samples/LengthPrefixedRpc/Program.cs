using System.Net;
using LengthPrefixedRpc;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.Samples;

var port = SampleArguments.Port(args, 5001);

// "--call <method> <text>": be the client, print the answer, and exit.
var call = Array.IndexOf(args, "--call");
if (call >= 0 && call + 2 < args.Length)
{
    await using var client = await RpcClient.ConnectAsync(new SocketConnectionFactory(), new IPEndPoint(IPAddress.Loopback, port));
    try
    {
        Console.WriteLine(await client.CallAsync(args[call + 1], args[call + 2]));
        return 0;
    }
    catch (RpcException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
}

var handler = new RpcServerHandler(RpcMethods.CreateSample(TimeProvider.System));

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
return 0;
