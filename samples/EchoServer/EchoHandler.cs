using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EchoServer;

/// <summary>
/// Writes back every byte it reads, straight from the input pipe's buffers, until the peer closes or the server
/// asks the connection to finish. The same handler runs on Weir's transport and on Kestrel's.
/// </summary>
public sealed class EchoHandler(ConnectionCounter connections) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connections.Enter();
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var stop = closing.Register(input.CancelPendingRead);
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
                if (result.IsCompleted || result.IsCanceled || flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException)
        {
            // The peer reset, or the server aborted the connection: nothing left to echo to.
        }
        finally
        {
            connections.Exit();
        }
    }
}
