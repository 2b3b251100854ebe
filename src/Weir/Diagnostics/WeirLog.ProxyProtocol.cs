using Microsoft.Extensions.Logging;

namespace Weir.Diagnostics;

internal static partial class WeirLog
{
    [LoggerMessage(350, LogLevel.Debug, "Connection {ConnectionId} came through proxy {Proxy} (PROXY v{Version}) from {RemoteEndPoint} to {LocalEndPoint}.")]
    public static partial void ProxyHeaderAccepted(ILogger logger, string connectionId, string? proxy, int version, string? remoteEndPoint, string? localEndPoint);

    [LoggerMessage(351, LogLevel.Debug, "Connection {ConnectionId} sent a PROXY v{Version} header that keeps the connection's own endpoints (LOCAL, UNKNOWN or UNSPEC).")]
    public static partial void ProxyHeaderWithoutAddresses(ILogger logger, string connectionId, int version);

    [LoggerMessage(352, LogLevel.Debug, "Connection {ConnectionId} has no PROXY header; passed through.")]
    public static partial void ProxyHeaderAbsent(ILogger logger, string connectionId);

    [LoggerMessage(353, LogLevel.Information, "Connection {ConnectionId} closed: bad PROXY header: {Reason}.")]
    public static partial void ProxyHeaderRejected(ILogger logger, string connectionId, string reason);

    [LoggerMessage(354, LogLevel.Warning, "Connection {ConnectionId} closed: {Peer} is not a trusted proxy.")]
    public static partial void ProxyPeerUntrusted(ILogger logger, string connectionId, string? peer);

    [LoggerMessage(355, LogLevel.Debug, "Connection {ConnectionId} from untrusted {Peer} passed through without reading a PROXY header.")]
    public static partial void ProxyPeerUntrustedPassedThrough(ILogger logger, string connectionId, string? peer);

    [LoggerMessage(356, LogLevel.Information, "Connection {ConnectionId} closed: no complete PROXY header within {Timeout}.")]
    public static partial void ProxyHeaderTimedOut(ILogger logger, string connectionId, TimeSpan timeout);
}
