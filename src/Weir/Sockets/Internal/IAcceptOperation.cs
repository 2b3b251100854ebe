using System.Net.Sockets;

namespace Weir.Sockets.Internal;

/// <summary>
/// A listener's accept, one at a time: through the runtime's engine (<see cref="SocketAcceptArgs"/>) or on a Weir
/// event loop (<see cref="EventLoops.EpollAccept"/>).
/// </summary>
internal interface IAcceptOperation : IDisposable
{
    /// <summary>Accepts the next connection; an accept aborted by closing the listener completes with an error.</summary>
    ValueTask<SocketOperationResult> AcceptAsync(Socket listenSocket);

    /// <summary>The outcome of the accept that just completed, for a caller that was called back.</summary>
    SocketOperationResult CurrentResult();

    /// <summary>Takes the accepted socket out, so the operation holds no reference to it.</summary>
    Socket TakeAcceptedSocket();

    /// <summary>The listening socket was closed: wakes an accept that waits.</summary>
    void OnListenerClosed();
}
