using System.Net;
using LengthPrefixedRpc;
using Microsoft.AspNetCore.Connections;
using Weir;
using Weir.Samples;

var port = SampleArguments.Port(args, 5001);

// "--call <method> <text>": be the client, print the answer, and exit.
var call = Array.IndexOf(args, "--call");
if (call >= 0 && call + 2 < args.Length)
{
    await using var sockets = new ClientBuilder().UseSockets().Build();
    await using var client = await RpcClient.ConnectAsync(sockets, new IPEndPoint(IPAddress.Loopback, port));
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
await using var server = new ServerBuilder()
    .UseSockets(s => s.ListenLocalhost(port, c => c.Run(handler.OnConnectedAsync)))
    .Build();
await SampleHost.RunUntilStoppedAsync(server);
return 0;
