using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace EchoServer;

/// <summary>Writes back every byte it reads, straight from the input pipe's buffers, until the peer closes.</summary>
internal static class EchoHandler
{
    public static async Task RunAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                var flushed = await output.FlushAsync();
                if (result.IsCompleted || flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // The peer reset: nothing left to echo to.
        }
        catch (ConnectionAbortedException)
        {
            // The server is stopping and aborted the connection.
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }
}
