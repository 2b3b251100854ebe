using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Reliability.Child;
using Weir.Sockets;

// A listener for the descriptor-exhaustion test, run under a low `ulimit -n`: it echoes every connection, prints
// its port, and prints the transport's warnings and errors (EMFILE among them) as they happen.
AppDomain.CurrentDomain.UnhandledException += (_, e) => Console.WriteLine($"unhandled {e.ExceptionObject}");
using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ConsoleLineLoggerProvider()).SetMinimumLevel(LogLevel.Warning));
await using var transport = new SocketTransport(new SocketTransportOptions(), loggerFactory);
var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
Console.WriteLine($"listening {((IPEndPoint)listener.EndPoint).Port}");

var accepted = 0;
while (await listener.AcceptAsync() is { } connection)
{
    accepted++;
    Console.WriteLine($"accepted {accepted}");
    _ = EchoAsync(connection);
}

static async Task EchoAsync(ConnectionContext connection)
{
    try
    {
        while (true)
        {
            var result = await connection.Transport.Input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await connection.Transport.Output.WriteAsync(segment);
            }

            connection.Transport.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }
    catch (ConnectionResetException)
    {
        // The test closes its clients abruptly at the end.
    }
    finally
    {
        await connection.DisposeAsync();
    }
}
