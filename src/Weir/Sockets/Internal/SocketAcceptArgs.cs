using System.IO.Pipelines;
using System.Net.Sockets;

namespace Weir.Sockets.Internal;

/// <summary>The accept awaitable of one listener, reused for every accept of its life.</summary>
internal sealed class SocketAcceptArgs : SocketAwaitableEventArgs, IAcceptOperation
{
    public SocketAcceptArgs()
        : base(PipeScheduler.Inline)
    {
    }

    public ValueTask<SocketOperationResult> AcceptAsync(Socket listenSocket)
    {
        AcceptSocket = null;
        Prepare();
        return Await(listenSocket.AcceptAsync(this));
    }

    /// <summary>Takes the accepted socket out, so the args hold no reference to it.</summary>
    public Socket TakeAcceptedSocket()
    {
        var socket = AcceptSocket!;
        AcceptSocket = null;
        return socket;
    }

    // The runtime aborts the accept in flight itself when the listener closes.
    public void OnListenerClosed()
    {
    }
}
