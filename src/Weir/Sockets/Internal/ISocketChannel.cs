namespace Weir.Sockets.Internal;

/// <summary>
/// How a connection moves bytes through its socket: through the runtime's socket engine
/// (<see cref="RuntimeSocketChannel"/>), or with its own system calls on a Weir event loop
/// (<see cref="EventLoops.EpollSocket"/>).
/// </summary>
/// <remarks>
/// One receive and one send may be in flight at a time. Operations aborted by closing the socket complete with
/// <see cref="System.Net.Sockets.SocketError.OperationAborted"/>; operations started after it throw
/// <see cref="ObjectDisposedException"/>.
/// </remarks>
internal interface ISocketChannel : IDisposable
{
    /// <summary>Completes when the socket has data, an end of stream or an error, without holding a buffer.</summary>
    ValueTask<SocketOperationResult> WaitForDataAsync();

    /// <summary>Receives into <paramref name="buffer"/>; 0 bytes is the peer's FIN.</summary>
    ValueTask<SocketOperationResult> ReceiveAsync(Memory<byte> buffer);

    /// <summary>An empty send to add buffers to.</summary>
    ISocketSend RentSend();

    /// <summary>Sends every byte of <paramref name="send"/>, in one gathered call when the socket takes them.</summary>
    ValueTask<SocketOperationResult> SendAsync(ISocketSend send);

    /// <summary>Gives back a send that has completed.</summary>
    void ReturnSend(ISocketSend send);

    /// <summary>Gives up a send whose start threw: its state cannot be trusted again.</summary>
    void DiscardSend(ISocketSend send);

    /// <summary>The socket was closed: wakes what waits, with <see cref="System.Net.Sockets.SocketError.OperationAborted"/>.</summary>
    void OnSocketClosed();
}
