using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>
/// A connection's I/O on a Weir event loop: non-blocking <c>recv</c> and <c>sendmsg</c> made directly, and
/// readiness from the loop's edge-triggered epoll. What waited for readiness continues on the loop's thread.
/// </summary>
/// <remarks>
/// <para>
/// Compared with the runtime's engine, a message costs no thread hand-off (the engine queues every completion
/// to the thread pool) and no system call to wait for data (the engine's zero-byte receive is a one-byte peek):
/// readiness is already known from epoll.
/// </para>
/// <para>
/// The socket's handle is referenced around each system call, so closing the socket on another thread never
/// closes the descriptor under a call, where its number could already name another socket.
/// </para>
/// <para>
/// Partial files by direction: this one holds registration, events and closing; <c>.Receive</c> and
/// <c>.Send</c> the two directions.
/// </para>
/// </remarks>
internal sealed unsafe partial class EpollSocket : ISocketChannel, ISocketSend, IEventLoopHandler, IValueTaskSource<SocketOperationResult>
{
    private const uint ReadEvents = Libc.EpollIn | Libc.EpollRdHup | Libc.EpollErr | Libc.EpollHup;
    private const uint WriteEvents = Libc.EpollOut | Libc.EpollErr | Libc.EpollHup;
    private const uint HangUpEvents = Libc.EpollRdHup | Libc.EpollErr | Libc.EpollHup;
    private const uint FailureEvents = Libc.EpollErr | Libc.EpollHup;

    private readonly SafeSocketHandle _handle;
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly int _slot;

    public EpollSocket(Socket socket, EpollLoop loop)
    {
        // The loop makes every call itself, so the runtime never registers this socket with its own engine. The
        // descriptor is made non-blocking here, not through Socket.Blocking: that would also make the runtime's
        // per-socket async context (a few hundred bytes this connection never uses) and cost two fcntl calls.
        _handle = socket.SafeHandle;
        _fd = (int)_handle.DangerousGetHandle();
        var nonBlocking = 1;
        if (Libc.IoctlInt(_fd, Libc.FionBio, &nonBlocking) != 0)
        {
            throw new SocketException((int)Libc.ToSocketError(Marshal.GetLastPInvokeError()));
        }

        _loop = loop;
        _slot = loop.Register(_fd, this);
    }

    public void OnSocketClosed()
    {
        _loop.Unregister(_slot);
        var abortReceive = _readable.Close();
        var abortSend = _writable.Close();
        if (abortReceive || abortSend)
        {
            // The closer may hold the connection's lock: what continues after the abort runs elsewhere.
            ThreadPool.UnsafeQueueUserWorkItem(
                static state => state.socket.Abort(state.abortReceive, state.abortSend),
                (socket: this, abortReceive, abortSend),
                preferLocal: false);
        }
    }

    // Nothing to release: the loop's slot goes when the socket closes, and the socket is the connection's.
    public void Dispose()
    {
    }

    public void OnEvents(uint events)
    {
        // A hang-up's edge comes once, often together with the last data: the read that takes the data is short,
        // and the end of stream after it must not wait for an edge that will never come again.
        if ((events & ReadEvents) != 0 && _readable.Signal(final: (events & HangUpEvents) != 0))
        {
            CompleteReceive();
        }

        if ((events & WriteEvents) != 0 && _writable.Signal(final: (events & FailureEvents) != 0))
        {
            CompleteSend();
        }
    }

    public void OnLoopStopped() => Abort(_readable.Close(), _writable.Close());

    private void Abort(bool receive, bool send)
    {
        var aborted = SocketOperationResult.Aborted;
        if (receive)
        {
            _receiveBuffer = default;
            _receive.SetResult(aborted);
        }

        if (send)
        {
            _sendResult = aborted;
            _pendingSend!.SetResult(aborted);
        }
    }
}
