namespace Weir.Middleware.Timeouts;

/// <summary>
/// One timer for every connection of a pipeline: each tick compares the connections' last-activity timestamps
/// with the timeout. The timer runs only while at least one connection is tracked, so an idle pipeline costs
/// nothing and a discarded one leaves no rooted timer behind.
/// </summary>
internal sealed class IdleHeartbeat
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly List<IdleConnection> _connections = [];
    private readonly ITimer _timer;
    private readonly TimeSpan _interval;
    private readonly long _timeoutTimestampTicks;

    public IdleHeartbeat(TimeSpan timeout, TimeProvider timeProvider)
    {
        Timeout = timeout;
        TimeProvider = timeProvider;
        _timeoutTimestampTicks = (long)(timeout.TotalSeconds * timeProvider.TimestampFrequency);

        // A connection closes between one timeout and one interval after its last byte.
        var quarter = timeout / 4;
        _interval = quarter > MaxInterval ? MaxInterval : quarter < MinInterval ? MinInterval : quarter;
        _timer = timeProvider.CreateTimer(static state => ((IdleHeartbeat)state!).OnTick(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
    }

    public TimeSpan Timeout { get; }

    public TimeProvider TimeProvider { get; }

    public void Add(IdleConnection connection)
    {
        lock (_lock)
        {
            connection.Index = _connections.Count;
            _connections.Add(connection);
            if (_connections.Count == 1)
            {
                _timer.Change(_interval, _interval);
            }
        }
    }

    public void Remove(IdleConnection connection)
    {
        lock (_lock)
        {
            var index = connection.Index;
            var last = _connections[^1];
            _connections[index] = last;
            last.Index = index;
            _connections.RemoveAt(_connections.Count - 1);
            connection.Index = -1;
            if (_connections.Count == 0)
            {
                _timer.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnTick()
    {
        var now = TimeProvider.GetTimestamp();
        List<IdleConnection>? expired = null;
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                if (now - connection.LastActivity >= _timeoutTimestampTicks)
                {
                    (expired ??= []).Add(connection);
                }
            }
        }

        // Aborting runs transport code; it must not hold the lock that accepting connections need.
        if (expired is not null)
        {
            foreach (var connection in expired)
            {
                connection.Expire();
            }
        }
    }
}
