using Microsoft.AspNetCore.Connections;
using RespServer;
using Weir;
using Weir.Samples;

var port = SampleArguments.Port(args, 6379);
using var store = new RespStore();
var handler = new RespConnectionHandler(store);

await using var server = new ServerBuilder()
    .UseSockets(s => s.ListenLocalhost(port, c => c.Run(handler.OnConnectedAsync)))
    .Build();
await SampleHost.RunUntilStoppedAsync(server);
