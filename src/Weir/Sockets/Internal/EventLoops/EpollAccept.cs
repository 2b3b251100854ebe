using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>
/// A listener's accept driven by a Weir event loop: the loop reports the listening socket readable, and the
/// accept is made right there, so a new connection reaches the server with no thread hand-off.
/// </summary>
/// <remarks>
/// The accept itself is still the runtime's (<see cref="SocketAcceptArgs"/>), made only once a <c>poll</c> says
/// a connection is waiting: it then completes at once, and the accepted <see cref="Socket"/> is built from what
/// the kernel returned, with no further system call. Should it find nothing after all, it waits in the runtime's
/// engine like any accept, and the loop is never blocked.
/// <para>
/// While an accept waits for the loop, it holds a reference on the listening socket's handle. Closing a
/// descriptor takes it out of every epoll set without an event, so a listener closed from outside would leave
/// the wait hanging; with the reference held, the runtime's close first shuts the socket down to release it,
/// which the loop sees as a hang-up, and the wait ends with the error.
/// </para>
/// </remarks>
internal sealed class EpollAccept(EpollLoop loop) : IAcceptOperation, IEventLoopHandler, IValueTaskSource<SocketOperationResult>
{
    private readonly SocketAcceptArgs _args = new();
    private Socket? _listenSocket;
    private bool _holdsHandle;
    private int _slot = -1;
    private Readiness _readable;
    private ManualResetValueTaskSourceCore<SocketOperationResult> _wait;
    private SocketOperationResult _result;
    private Action? _onAcceptCompleted;

    public ValueTask<SocketOperationResult> AcceptAsync(Socket listenSocket)
    {
        if (_listenSocket is null)
        {
            // A closed handle still holds its old number, which may name another descriptor by now.
            ObjectDisposedException.ThrowIf(listenSocket.SafeHandle.IsClosed, listenSocket);
            _listenSocket = listenSocket;
            _slot = loop.Register((int)listenSocket.SafeHandle.DangerousGetHandle(), this);
        }

        _wait.Reset();
        return AcceptOrArm()
            ? new ValueTask<SocketOperationResult>(_result)
            : new ValueTask<SocketOperationResult>(this, _wait.Version);
    }

    public SocketOperationResult CurrentResult() => _result;

    public Socket TakeAcceptedSocket() => _args.TakeAcceptedSocket();

    public void OnListenerClosed()
    {
        if (_slot >= 0)
        {
            loop.Unregister(_slot);
        }

        if (_readable.Close())
        {
            // The closer may be anywhere, a lock held: what continues after the abort runs on the thread pool.
            ReleaseHandle();
            ThreadPool.UnsafeQueueUserWorkItem(static accept => accept.Abort(), this, preferLocal: false);
        }
    }

    public void OnEvents(uint events)
    {
        if (_readable.Signal(final: false))
        {
            AcceptOnLoop();
        }
    }

    public void OnLoopStopped()
    {
        if (_readable.Close())
        {
            ReleaseHandle();
            Abort();
        }
    }

    public void Dispose() => _args.Dispose();

    public SocketOperationResult GetResult(short token) => _wait.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _wait.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    private void AcceptOnLoop()
    {
        ReleaseHandle();
        try
        {
            if (AcceptOrArm())
            {
                _wait.SetResult(_result);
            }
        }
        catch (ObjectDisposedException)
        {
            Abort();
        }
    }

    /// <summary>
    /// Accepts if a connection waits, else arms the wait: true when the accept completed at once or the listener
    /// closed (the outcome in <see cref="_result"/>), false when the wait, or the runtime's accept, will complete.
    /// </summary>
    private bool AcceptOrArm()
    {
        while (true)
        {
            _readable.Reset();
            if (_listenSocket!.Poll(0, SelectMode.SelectRead))
            {
                return StartAccept();
            }

            HoldHandle();
            switch (_readable.Arm())
            {
                case Readiness.ArmResult.Armed:
                    return false;
                case Readiness.ArmResult.Closed:
                    ReleaseHandle();
                    _result = SocketOperationResult.Aborted;
                    return true;
                default:
                    ReleaseHandle();
                    break;
            }
        }
    }

    /// <summary>Accepts; true when it completed at once, false when it waits in the runtime and completes the wait itself.</summary>
    [SuppressMessage("Reliability", "CA2012", Justification =
        "The accept's awaiter is taken at once and consumed once: its result now, or its continuation later.")]
    private bool StartAccept()
    {
        var accept = _args.AcceptAsync(_listenSocket!).GetAwaiter();
        if (accept.IsCompleted)
        {
            _result = accept.GetResult();
            return true;
        }

        accept.UnsafeOnCompleted(_onAcceptCompleted ??= OnAcceptCompleted);
        return false;
    }

    private void OnAcceptCompleted()
    {
        _result = _args.CurrentResult();
        _wait.SetResult(_result);
    }

    // Throws ObjectDisposedException when the listener is already closed.
    private void HoldHandle()
    {
        var added = false;
        _listenSocket!.SafeHandle.DangerousAddRef(ref added);
        _holdsHandle = added;
    }

    private void ReleaseHandle()
    {
        if (_holdsHandle)
        {
            _holdsHandle = false;
            _listenSocket!.SafeHandle.DangerousRelease();
        }
    }

    private void Abort()
    {
        _result = SocketOperationResult.Aborted;
        _wait.SetResult(_result);
    }
}
