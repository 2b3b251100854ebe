namespace Weir.Sockets;

/// <summary>Running totals of the bytes a connection moved, kept by the transport at the cost of one add per call.</summary>
public interface IConnectionTransferFeature
{
    /// <summary>Gets the bytes received from the peer so far.</summary>
    long BytesReceived { get; }

    /// <summary>Gets the bytes sent to the peer so far.</summary>
    long BytesSent { get; }
}
