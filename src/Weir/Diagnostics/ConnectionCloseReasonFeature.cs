namespace Weir.Diagnostics;

/// <summary>A thread-safe <see cref="IConnectionCloseReasonFeature"/> where the first report wins.</summary>
public sealed class ConnectionCloseReasonFeature : IConnectionCloseReasonFeature
{
    private Cause? _cause;

    /// <inheritdoc />
    public ConnectionCloseReason Reason => Volatile.Read(ref _cause)?.Reason ?? ConnectionCloseReason.Unknown;

    /// <inheritdoc />
    public Exception? Exception => Volatile.Read(ref _cause)?.Exception;

    /// <inheritdoc />
    public bool TrySetReason(ConnectionCloseReason reason, Exception? exception = null)
    {
        if (reason == ConnectionCloseReason.Unknown || Volatile.Read(ref _cause) is not null)
        {
            return false;
        }

        // One object carries both, so no reader sees the reason of one report with the error of another.
        return Interlocked.CompareExchange(ref _cause, new Cause(reason, exception), null) is null;
    }

    private sealed record Cause(ConnectionCloseReason Reason, Exception? Exception);
}
