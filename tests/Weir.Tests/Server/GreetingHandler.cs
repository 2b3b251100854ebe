using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Server;

public sealed record Greeting(string Text);

/// <summary>Writes the greeting it got from DI, then ends the connection.</summary>
public sealed class GreetingHandler(Greeting greeting) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection) =>
        await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(greeting.Text));
}
