using System.IO.Pipelines;
using System.Net.Sockets;

namespace Weir.Sockets.Internal;

/// <summary>The receive side of one connection, reused for every read of its life.</summary>
internal sealed class SocketReceiver : SocketAwaitableEventArgs
{
    public SocketReceiver(PipeScheduler scheduler)
        : base(scheduler)
    {
    }

    /// <summary>Completes when the socket has data (or was closed), without holding a buffer while it waits.</summary>
    public ValueTask<SocketOperationResult> WaitForDataAsync(Socket socket) => ReceiveAsync(socket, Memory<byte>.Empty);

    public ValueTask<SocketOperationResult> ReceiveAsync(Socket socket, Memory<byte> buffer)
    {
        SetBuffer(buffer);
        Prepare();
        return Await(socket.ReceiveAsync(this));
    }
}
