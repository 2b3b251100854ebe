using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Weir.Samples;

/// <summary>
/// The smallest server there is: accepts connections from any <see cref="IConnectionListener"/> and runs each
/// through <paramref name="application"/> until <see cref="RunAsync"/>'s token fires. It stands in until the
/// samples move to Weir's <c>ServerBuilder</c>.
/// </summary>
internal static class AcceptLoop
{
    public static async Task RunAsync(IConnectionListener listener, ConnectionDelegate application, CancellationToken stoppingToken)
    {
        var live = new ConcurrentDictionary<ConnectionContext, Task>();
        try
        {
            while (await listener.AcceptAsync(stoppingToken) is { } connection)
            {
                live[connection] = RunConnectionAsync(connection, application, live);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await listener.UnbindAsync(CancellationToken.None);
            foreach (var connection in live.Keys)
            {
                connection.Abort(new ConnectionAbortedException("The server is stopping."));
            }

            await Task.WhenAll(live.Values);
        }
    }

    private static async Task RunConnectionAsync(
        ConnectionContext connection, ConnectionDelegate application, ConcurrentDictionary<ConnectionContext, Task> live)
    {
        // Off the accept loop at once, so a handler that runs synchronously for a while never delays accepting.
        await Task.Yield();
        try
        {
            await application(connection);
        }
        catch (Exception e) when (e is ConnectionAbortedException or ConnectionResetException or OperationCanceledException or IOException)
        {
            // The peer went away or the server is stopping: nothing to report.
        }
        catch (Exception e)
        {
            // A handler bug ends its own connection only; the sample says so and keeps serving.
            await Console.Error.WriteLineAsync($"connection {connection.ConnectionId} failed: {e}");
        }
        finally
        {
            await connection.DisposeAsync();
            live.TryRemove(connection, out _);
        }
    }
}
