using System.Diagnostics.Metrics;

namespace Weir.Diagnostics;

/// <summary>
/// The bytes moved by one listener's connections: the final counts of closed connections plus the running
/// counts of live ones, observed by the <c>weir.connection.bytes_*</c> counters under the listener's tags.
/// </summary>
/// <remarks>
/// One lock guards the move of a closing connection's counts from "live" to "closed", so an observer never sees
/// them twice or not at all and the counters never go backwards. It is taken once per connection open and close
/// and once per collection, never per message.
/// </remarks>
internal sealed class ConnectionTransferTotals(KeyValuePair<string, object?>[] tags)
{
    private readonly Lock _lock = new();
    private readonly HashSet<IConnectionTransferFeature> _live = new(ReferenceEqualityComparer.Instance);
    private long _closedBytesReceived;
    private long _closedBytesSent;

    public void Track(IConnectionTransferFeature connection)
    {
        lock (_lock)
        {
            _live.Add(connection);
        }
    }

    public void Untrack(IConnectionTransferFeature connection)
    {
        lock (_lock)
        {
            if (_live.Remove(connection))
            {
                _closedBytesReceived += connection.BytesReceived;
                _closedBytesSent += connection.BytesSent;
            }
        }
    }

    public Measurement<long> ObserveReceived()
    {
        lock (_lock)
        {
            var total = _closedBytesReceived;
            foreach (var connection in _live)
            {
                total += connection.BytesReceived;
            }

            return new Measurement<long>(total, tags);
        }
    }

    public Measurement<long> ObserveSent()
    {
        lock (_lock)
        {
            var total = _closedBytesSent;
            foreach (var connection in _live)
            {
                total += connection.BytesSent;
            }

            return new Measurement<long>(total, tags);
        }
    }
}
