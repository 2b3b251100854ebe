using System.Net;
using Microsoft.Extensions.Logging;

namespace Weir.Diagnostics;

internal static partial class WeirLog
{
    [LoggerMessage(40, LogLevel.Debug, "Listening on {EndPoint} with {Count} accept sockets (SO_REUSEPORT).", EventName = "AcceptSocketsBound")]
    public static partial void AcceptSocketsBound(ILogger logger, EndPoint endPoint, int count);

    [LoggerMessage(41, LogLevel.Warning, "Accept socket {Index} on {EndPoint} failed; the error goes to the listener's next accept.", EventName = "AcceptSocketFailed")]
    public static partial void AcceptShardFailed(ILogger logger, EndPoint endPoint, int index, Exception exception);

    [LoggerMessage(42, LogLevel.Debug, "Unbinding {EndPoint} disposed {Count} accepted connections that were never delivered.", EventName = "UndeliveredConnectionsDisposed")]
    public static partial void UndeliveredConnectionsDisposed(ILogger logger, EndPoint endPoint, int count);

    [LoggerMessage(43, LogLevel.Error, "Accept socket {Index} on {EndPoint} was closed from outside; it leaves the group and the other sockets go on accepting.", EventName = "AcceptSocketGone")]
    public static partial void AcceptSocketGone(ILogger logger, EndPoint endPoint, int index, Exception exception);
}
