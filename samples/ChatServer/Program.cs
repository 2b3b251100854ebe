using ChatServer;
using Microsoft.AspNetCore.Connections;
using Weir;
using Weir.Samples;

var port = SampleArguments.Port(args, 5000);
var handler = new ChatConnectionHandler(new ChatRoom());

await using var server = new ServerBuilder()
    .UseSockets(s => s.ListenLocalhost(port, c => c.Run(handler.OnConnectedAsync)))
    .Build();
await SampleHost.RunUntilStoppedAsync(server);
