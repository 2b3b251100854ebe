using System.Net;
using Microsoft.Extensions.Logging;

namespace Weir.Diagnostics;

/// <summary>Server, client, in-memory transport and hosting events: ids 100–199.</summary>
internal static partial class WeirLog
{
    [LoggerMessage(100, LogLevel.Information, "Listening on {EndPoint}.")]
    public static partial void ListenerBound(ILogger logger, EndPoint endPoint);

    [LoggerMessage(101, LogLevel.Debug, "Connection {ConnectionId} accepted on {EndPoint} from {RemoteEndPoint}.")]
    public static partial void ConnectionAccepted(ILogger logger, string connectionId, EndPoint endPoint, EndPoint? remoteEndPoint);

    [LoggerMessage(102, LogLevel.Debug, "Connection {ConnectionId} closed after {DurationSeconds:0.###} s: {Reason}.")]
    public static partial void ConnectionClosed(ILogger logger, string connectionId, double durationSeconds, ConnectionCloseReason reason);

    [LoggerMessage(103, LogLevel.Error, "Connection {ConnectionId}: the connection handler threw; closing the connection.")]
    public static partial void ConnectionHandlerFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(104, LogLevel.Error, "Accepting on {EndPoint} failed; accepting again in {DelayMilliseconds} ms.")]
    public static partial void AcceptFailed(ILogger logger, EndPoint endPoint, int delayMilliseconds, Exception exception);

    [LoggerMessage(105, LogLevel.Error, "The listener on {EndPoint} stopped accepting while the server runs; binding it again in {DelayMilliseconds} ms.")]
    public static partial void ListenerStoppedUnexpectedly(ILogger logger, EndPoint endPoint, int delayMilliseconds);

    [LoggerMessage(106, LogLevel.Error, "Binding {EndPoint} again failed; trying again in {DelayMilliseconds} ms.")]
    public static partial void RebindFailed(ILogger logger, EndPoint endPoint, int delayMilliseconds, Exception exception);

    [LoggerMessage(107, LogLevel.Information, "Stopping: unbinding {ListenerCount} listener(s).")]
    public static partial void ServerStopping(ILogger logger, int listenerCount);

    [LoggerMessage(108, LogLevel.Information, "Asked {ConnectionCount} open connection(s) to close.")]
    public static partial void ConnectionsAskedToClose(ILogger logger, int connectionCount);

    [LoggerMessage(109, LogLevel.Warning, "{ConnectionCount} connection(s) did not close before the stop deadline; aborting them.")]
    public static partial void ConnectionsAborted(ILogger logger, int connectionCount);

    [LoggerMessage(110, LogLevel.Warning, "{ConnectionCount} connection handler(s) still ran after being aborted; stopped without them.")]
    public static partial void ConnectionsAbandoned(ILogger logger, int connectionCount);

    [LoggerMessage(111, LogLevel.Information, "Stopped.")]
    public static partial void ServerStopped(ILogger logger);

    [LoggerMessage(112, LogLevel.Warning, "Connection {ConnectionId}: disposing the transport connection failed.")]
    public static partial void ConnectionDisposeFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(113, LogLevel.Warning, "Unbinding {EndPoint} failed.")]
    public static partial void UnbindFailed(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(114, LogLevel.Warning, "Connection {ConnectionId}: asking it to close threw.")]
    public static partial void RequestCloseFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(115, LogLevel.Error, "Connection {ConnectionId}: recording its end (a log or a meter listener) threw.")]
    public static partial void ConnectionBookkeepingFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(120, LogLevel.Debug, "Client connection {ConnectionId} to {EndPoint} established.")]
    public static partial void ClientConnected(ILogger logger, string connectionId, EndPoint endPoint);

    [LoggerMessage(121, LogLevel.Debug, "A client connection to {EndPoint} failed in its middleware.")]
    public static partial void ClientPipelineFailed(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(130, LogLevel.Error, "In-memory connection {ConnectionId}: a ConnectionClosed callback threw.")]
    public static partial void ConnectionClosedCallbackFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(140, LogLevel.Information, "Hosted Weir server started with {ListenerCount} listener(s).")]
    public static partial void HostedServerStarted(ILogger logger, int listenerCount);
}
