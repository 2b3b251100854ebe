using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace EchoServer;

/// <summary>Accepts connections from a listener and runs each through a handler on its own task.</summary>
internal sealed class AcceptLoop(IConnectionListener listener, Func<ConnectionContext, Task> handler)
{
    private readonly ConcurrentDictionary<ConnectionContext, Task> _live = new();
    private long _accepted;

    public long Accepted => Interlocked.Read(ref _accepted);

    public async Task RunAsync()
    {
        while (await listener.AcceptAsync() is { } connection)
        {
            Interlocked.Increment(ref _accepted);
            _live[connection] = Task.Run(() => ServeAsync(connection));
        }
    }

    /// <summary>Aborts the connections still open and waits for their handlers to return.</summary>
    public async Task AbortAllAsync()
    {
        foreach (var connection in _live.Keys)
        {
            connection.Abort(new ConnectionAbortedException("The server is stopping."));
        }

        await Task.WhenAll(_live.Values);
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        try
        {
            await handler(connection);
        }
        finally
        {
            await connection.DisposeAsync();
            _live.TryRemove(connection, out _);
        }
    }
}
