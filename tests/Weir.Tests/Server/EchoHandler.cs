using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Server;

/// <summary>Writes back every byte it reads until the peer completes its output.</summary>
public sealed class EchoHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await output.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
