using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

using Weir.Buffers;

namespace Weir.Middleware.Timeouts;

/// <summary>Tracks each connection on the pipeline's shared heartbeat while the rest of the pipeline runs.</summary>
internal sealed class IdleTimeoutMiddleware(ConnectionDelegate next, IdleHeartbeat heartbeat, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var idle = new IdleConnection(connection, heartbeat, logger);
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(
            new ActivityPipeReader(transport.Input, idle),
            new ActivityPipeWriter(transport.Output, idle));

        heartbeat.Add(idle);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            heartbeat.Remove(idle);
            connection.Transport = transport;
        }
    }
}
