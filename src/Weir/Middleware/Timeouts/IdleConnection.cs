using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.Timeouts;

/// <summary>One connection's idle state: a last-activity timestamp that its transport wrappers refresh.</summary>
internal sealed class IdleConnection
{
    private readonly ConnectionContext _connection;
    private readonly IdleHeartbeat _heartbeat;
    private readonly ILogger _logger;
    private long _lastActivity;
    private int _expired;

    public IdleConnection(ConnectionContext connection, IdleHeartbeat heartbeat, ILogger logger)
    {
        _connection = connection;
        _heartbeat = heartbeat;
        _logger = logger;
        _lastActivity = heartbeat.TimeProvider.GetTimestamp();
    }

    /// <summary>The slot in the heartbeat's list; only the heartbeat touches it, under its lock.</summary>
    public int Index { get; set; } = -1;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public void Touch() => Volatile.Write(ref _lastActivity, _heartbeat.TimeProvider.GetTimestamp());

    public void Expire()
    {
        if (Interlocked.Exchange(ref _expired, 1) != 0)
        {
            return;
        }

        var timeout = _heartbeat.Timeout;
        var exception = new ConnectionAbortedException($"The connection was idle for {timeout}.");
        ConnectionClose.Report(_connection, ConnectionCloseReason.Timeout, exception);
        WeirLog.IdleTimeout(_logger, _connection.ConnectionId, timeout);
        _connection.Abort(exception);
    }
}
