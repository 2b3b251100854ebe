using System.Net.Sockets;

namespace Weir.Sockets.Internal;

/// <summary>The outcome of one socket operation: bytes moved, or the error that stopped it.</summary>
internal readonly struct SocketOperationResult
{
    public SocketOperationResult(int bytesTransferred)
    {
        BytesTransferred = bytesTransferred;
        Error = SocketError.Success;
    }

    public SocketOperationResult(SocketError error)
    {
        Error = error;
    }

    /// <summary>An operation ended by closing its socket.</summary>
    public static SocketOperationResult Aborted => new(SocketError.OperationAborted);

    public int BytesTransferred { get; }

    public SocketError Error { get; }

    public bool HasError => Error != SocketError.Success;
}
