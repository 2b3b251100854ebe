using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Weir.Diagnostics;

internal static partial class WeirLog
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} received FIN.", EventName = "ConnectionReadFin")]
    public static partial void ConnectionReadFin(ILogger logger, string connectionId);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} sending FIN.", EventName = "ConnectionWriteFin")]
    public static partial void ConnectionWriteFin(ILogger logger, string connectionId);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} reset by the peer.", EventName = "ConnectionReset")]
    public static partial void ConnectionReset(ILogger logger, string connectionId);

    [LoggerMessage(4, LogLevel.Debug, "Connection {ConnectionId} aborted: {Reason}", EventName = "ConnectionAborted")]
    public static partial void ConnectionAborted(ILogger logger, string connectionId, string reason);

    [LoggerMessage(5, LogLevel.Information, "Connection {ConnectionId} failed.", EventName = "ConnectionError")]
    public static partial void ConnectionError(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "A ConnectionClosed callback of connection {ConnectionId} threw.", EventName = "ConnectionClosedCallbackFailed")]
    public static partial void SocketConnectionClosedCallbackFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(10, LogLevel.Debug, "Listening on {EndPoint}.", EventName = "ListenerBound")]
    public static partial void SocketListenerBound(ILogger logger, EndPoint endPoint);

    [LoggerMessage(11, LogLevel.Debug, "Stopped listening on {EndPoint}.", EventName = "ListenerUnbound")]
    public static partial void ListenerUnbound(ILogger logger, EndPoint endPoint);

    [LoggerMessage(12, LogLevel.Information, "Removed the stale Unix socket file {Path}.", EventName = "StaleUnixSocketRemoved")]
    public static partial void StaleUnixSocketRemoved(ILogger logger, string path);

    [LoggerMessage(13, LogLevel.Debug, "Accept on {EndPoint} failed with {SocketError}; accepting goes on.", EventName = "AcceptFailed")]
    public static partial void SocketAcceptFailed(ILogger logger, EndPoint endPoint, SocketError socketError);

    [LoggerMessage(14, LogLevel.Error, "Accept on {EndPoint} ran out of file descriptors ({SocketError}); retrying in {BackoffMs} ms.", EventName = "AcceptOutOfDescriptors")]
    public static partial void AcceptOutOfDescriptors(ILogger logger, EndPoint endPoint, SocketError socketError, int backoffMs);

    [LoggerMessage(15, LogLevel.Error, "Event loop {Loop}: a connection's event callback threw; the loop goes on.", EventName = "EventLoopCallbackFailed")]
    public static partial void EventLoopCallbackFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(16, LogLevel.Critical, "Event loop {Loop}: epoll_wait failed with errno {Errno}; its connections are aborted.", EventName = "EventLoopFailed")]
    public static partial void EventLoopFailed(ILogger logger, int loop, int errno);

    [LoggerMessage(17, LogLevel.Error, "Accept on {EndPoint}: setting up the accepted connection failed; it is closed and accepting goes on.", EventName = "ConnectionSetupFailed")]
    public static partial void ConnectionSetupFailed(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(90, LogLevel.Warning, "A pool block was never returned; it was rented at:\n{RenterStack}", EventName = "BufferLeaked")]
    public static partial void BufferLeaked(ILogger logger, string renterStack);
}
