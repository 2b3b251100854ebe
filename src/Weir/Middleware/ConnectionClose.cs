using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Middleware;

/// <summary>How middleware ends a connection it refuses: the cause is reported first, so it wins over the consequences.</summary>
internal static class ConnectionClose
{
    public static void Report(ConnectionContext connection, ConnectionCloseReason reason, Exception? exception = null) =>
        connection.Features.Get<IConnectionCloseReasonFeature>()?.TrySetReason(reason, exception);

    /// <summary>Completes both sides of the transport, so the peer sees a FIN rather than a reset.</summary>
    public static async ValueTask CompleteTransportAsync(ConnectionContext connection)
    {
        await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
    }
}
