using System.Net.Sockets;

namespace Weir.Sockets.Internal;

/// <summary>
/// A connection's I/O through the runtime's socket engine: this event args carries every receive of the
/// connection's life, and each send rents one from the queue's pool for as long as it is in flight.
/// </summary>
internal sealed class RuntimeSocketChannel : SocketAwaitableEventArgs, ISocketChannel
{
    private readonly Socket _socket;
    private readonly SocketSenderPool _senders;

    public RuntimeSocketChannel(Socket socket, QueueSettings queue)
        : base(queue.SocketScheduler)
    {
        _socket = socket;
        _senders = queue.Senders;
    }

    /// <summary>A zero-byte receive: it completes when data arrives, and no buffer is held meanwhile.</summary>
    public ValueTask<SocketOperationResult> WaitForDataAsync() => ReceiveAsync(Memory<byte>.Empty);

    public ValueTask<SocketOperationResult> ReceiveAsync(Memory<byte> buffer)
    {
        SetBuffer(buffer);
        Prepare();
        return Await(_socket.ReceiveAsync(this));
    }

    public ISocketSend RentSend() => _senders.Rent();

    public ValueTask<SocketOperationResult> SendAsync(ISocketSend send) => ((SocketSender)send).SendAsync(_socket);

    public void ReturnSend(ISocketSend send) => _senders.Return((SocketSender)send);

    public void DiscardSend(ISocketSend send) => ((SocketSender)send).Dispose();

    // The runtime aborts what is in flight itself when the socket closes.
    public void OnSocketClosed()
    {
    }
}
