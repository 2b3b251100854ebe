using Microsoft.Extensions.Logging;

namespace Weir.Diagnostics;

internal static partial class WeirLog
{
    [LoggerMessage(200, LogLevel.Information, "Connection {ConnectionId} started: {RemoteEndPoint} -> {LocalEndPoint}.")]
    public static partial void ConnectionStarted(ILogger logger, string connectionId, string? remoteEndPoint, string? localEndPoint);

    [LoggerMessage(201, LogLevel.Information, "Connection {ConnectionId} stopped after {DurationMs} ms: {CloseReason}.")]
    public static partial void ConnectionStopped(ILogger logger, string connectionId, long durationMs, ConnectionCloseReason closeReason);

    [LoggerMessage(202, LogLevel.Information, "Connection {ConnectionId} failed after {DurationMs} ms.")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, long durationMs, Exception exception);

    [LoggerMessage(203, LogLevel.Trace, "Connection {ConnectionId} read {Count} bytes:\n{Dump}")]
    public static partial void BytesRead(ILogger logger, string connectionId, long count, string dump);

    [LoggerMessage(204, LogLevel.Trace, "Connection {ConnectionId} wrote {Count} bytes:\n{Dump}")]
    public static partial void BytesWritten(ILogger logger, string connectionId, long count, string dump);

    [LoggerMessage(210, LogLevel.Debug, "Connection {ConnectionId} completed a TLS handshake: {Protocol}, {CipherSuite}, ALPN '{ApplicationProtocol}'.")]
    public static partial void TlsHandshakeCompleted(ILogger logger, string connectionId, System.Security.Authentication.SslProtocols protocol, string? cipherSuite, string applicationProtocol);

    [LoggerMessage(211, LogLevel.Information, "Connection {ConnectionId} closed: the TLS handshake failed.")]
    public static partial void TlsHandshakeFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(212, LogLevel.Information, "Connection {ConnectionId} closed: the TLS handshake did not finish within {Timeout}.")]
    public static partial void TlsHandshakeTimedOut(ILogger logger, string connectionId, TimeSpan timeout);

    [LoggerMessage(220, LogLevel.Warning, "Connection {ConnectionId} refused: the limit of {Limit} concurrent connections is reached.")]
    public static partial void ConnectionLimitExceeded(ILogger logger, string connectionId, long limit);

    [LoggerMessage(230, LogLevel.Information, "Connection {ConnectionId} closed: no bytes either way for {Timeout}.")]
    public static partial void IdleTimeout(ILogger logger, string connectionId, TimeSpan timeout);
}
