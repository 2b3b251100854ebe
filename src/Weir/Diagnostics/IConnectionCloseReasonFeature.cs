namespace Weir.Diagnostics;

/// <summary>
/// Carries the first cause of a connection's end, so it is logged once and tagged on the
/// <c>weir.connection.duration</c> metric. Every layer (transport, middleware, server) reports what it
/// sees; the first report wins.
/// </summary>
public interface IConnectionCloseReasonFeature
{
    /// <summary>Gets the first recorded cause, or <see cref="ConnectionCloseReason.Unknown"/>.</summary>
    ConnectionCloseReason Reason { get; }

    /// <summary>Gets the exception that came with the first cause, if any.</summary>
    Exception? Exception { get; }

    /// <summary>Records <paramref name="reason"/> and its <paramref name="exception"/> unless a cause is already recorded.</summary>
    /// <returns><see langword="true"/> if this call recorded the cause.</returns>
    bool TrySetReason(ConnectionCloseReason reason, Exception? exception = null);
}
