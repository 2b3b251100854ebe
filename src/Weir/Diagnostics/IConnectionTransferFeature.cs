namespace Weir.Diagnostics;

/// <summary>
/// Running totals of the bytes a connection's transport has moved. A transport that counts them sets this
/// feature on its connections; the server reads it to feed the <c>weir.connection.bytes_received</c> and
/// <c>weir.connection.bytes_sent</c> counters.
/// </summary>
/// <remarks>Both totals only ever grow, and may be read from any thread while the connection runs.</remarks>
public interface IConnectionTransferFeature
{
    /// <summary>Gets the number of bytes received from the peer so far.</summary>
    long BytesReceived { get; }

    /// <summary>Gets the number of bytes sent to the peer so far.</summary>
    long BytesSent { get; }
}
