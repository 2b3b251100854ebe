using Microsoft.AspNetCore.Connections;

namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>The server side of most tests: every byte read is written back, until the peer finishes.</summary>
internal static class Echo
{
    /// <summary>The event id the server logs when a handler throws.</summary>
    public const int HandlerFailedEventId = 103;

    /// <summary>The event id the server logs, at debug level, when a connection closes, with its reason.</summary>
    public const int ConnectionClosedEventId = 102;

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
                    if ((await output.WriteAsync(segment)).IsCompleted)
                    {
                        return;
                    }
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // The peer reset: a normal end for an echo, and what the transport must report it as.
        }
    }
}
