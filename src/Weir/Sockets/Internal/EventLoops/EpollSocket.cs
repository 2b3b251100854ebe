using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
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
/// </remarks>
internal sealed unsafe class EpollSocket : ISocketChannel, ISocketSend, IEventLoopHandler, IValueTaskSource<SocketOperationResult>
{
    // A send gathers at most this many buffers; the output never hands more.
    private const int MaxSendBuffers = 32;
    private const uint ReadEvents = Libc.EpollIn | Libc.EpollRdHup | Libc.EpollErr | Libc.EpollHup;
    private const uint WriteEvents = Libc.EpollOut | Libc.EpollErr | Libc.EpollHup;
    private const uint HangUpEvents = Libc.EpollRdHup | Libc.EpollErr | Libc.EpollHup;
    private const uint FailureEvents = Libc.EpollErr | Libc.EpollHup;

    private readonly SafeSocketHandle _handle;
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly int _slot;

    private Readiness _readable;
    private Memory<byte> _receiveBuffer;
    private bool _waitingForData;
    private ManualResetValueTaskSourceCore<SocketOperationResult> _receive;

    private Readiness _writable;
    private ReadOnlyMemory<byte> _firstBuffer;
    private ReadOnlyMemory<byte>[]? _moreBuffers;
    private int _bufferCount;
    private long _sendLength;
    private long _sent;
    private SocketOperationResult _sendResult;
    private PendingSend? _pendingSend;

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

    public int BufferCount => _bufferCount;

    public ValueTask<SocketOperationResult> WaitForDataAsync()
    {
        if (_readable.IsReady)
        {
            return new ValueTask<SocketOperationResult>(new SocketOperationResult(0));
        }

        _receive.Reset();
        _waitingForData = true;
        return _readable.Arm() switch
        {
            Readiness.ArmResult.Armed => new ValueTask<SocketOperationResult>(this, _receive.Version),
            Readiness.ArmResult.WasReady => new ValueTask<SocketOperationResult>(new SocketOperationResult(0)),
            _ => new ValueTask<SocketOperationResult>(new SocketOperationResult(SocketError.OperationAborted)),
        };
    }

    public ValueTask<SocketOperationResult> ReceiveAsync(Memory<byte> buffer)
    {
        while (true)
        {
            if (TryReceive(buffer, out var result))
            {
                return new ValueTask<SocketOperationResult>(result);
            }

            _receive.Reset();
            _waitingForData = false;
            _receiveBuffer = buffer;
            switch (_readable.Arm())
            {
                case Readiness.ArmResult.Armed:
                    return new ValueTask<SocketOperationResult>(this, _receive.Version);
                case Readiness.ArmResult.Closed:
                    _receiveBuffer = default;
                    return new ValueTask<SocketOperationResult>(new SocketOperationResult(SocketError.OperationAborted));
            }
        }
    }

    public ISocketSend RentSend() => this;

    public void Add(ReadOnlyMemory<byte> buffer)
    {
        if (_bufferCount == 0)
        {
            _firstBuffer = buffer;
        }
        else
        {
            _moreBuffers ??= ArrayPool<ReadOnlyMemory<byte>>.Shared.Rent(MaxSendBuffers - 1);
            _moreBuffers[_bufferCount - 1] = buffer;
        }

        _bufferCount++;
        _sendLength += buffer.Length;
    }

    public ValueTask<SocketOperationResult> SendAsync(ISocketSend send)
    {
        _sent = 0;
        while (true)
        {
            if (TrySend(out var result))
            {
                return new ValueTask<SocketOperationResult>(result);
            }

            var pending = _pendingSend ??= new PendingSend();
            pending.Reset();
            switch (_writable.Arm())
            {
                case Readiness.ArmResult.Armed:
                    return pending.Awaitable;
                case Readiness.ArmResult.Closed:
                    return new ValueTask<SocketOperationResult>(_sendResult = new SocketOperationResult(SocketError.OperationAborted));
            }
        }
    }

    public SocketOperationResult CurrentResult() => _sendResult;

    public void ReturnSend(ISocketSend send)
    {
        if (_moreBuffers is { } more)
        {
            more.AsSpan(0, _bufferCount - 1).Clear();
            ArrayPool<ReadOnlyMemory<byte>>.Shared.Return(more);
            _moreBuffers = null;
        }

        _firstBuffer = default;
        _bufferCount = 0;
        _sendLength = 0;
    }

    public void DiscardSend(ISocketSend send) => ReturnSend(send);

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

    public SocketOperationResult GetResult(short token) => _receive.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _receive.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _receive.OnCompleted(continuation, state, token, flags);

    private void Abort(bool receive, bool send)
    {
        var aborted = new SocketOperationResult(SocketError.OperationAborted);
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

    private void CompleteReceive()
    {
        if (_waitingForData)
        {
            _receive.SetResult(new SocketOperationResult(0));
            return;
        }

        SocketOperationResult result;
        try
        {
            while (!TryReceive(_receiveBuffer, out result))
            {
                // Woken, and yet nothing to read: the event was someone else's, or already consumed.
                switch (_readable.Arm())
                {
                    case Readiness.ArmResult.Armed:
                        return;
                    case Readiness.ArmResult.Closed:
                        result = new SocketOperationResult(SocketError.OperationAborted);
                        goto Complete;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            result = new SocketOperationResult(SocketError.OperationAborted);
        }

    Complete:
        _receiveBuffer = default;
        _receive.SetResult(result);
    }

    private void CompleteSend()
    {
        SocketOperationResult result;
        try
        {
            while (!TrySend(out result))
            {
                switch (_writable.Arm())
                {
                    case Readiness.ArmResult.Armed:
                        return;
                    case Readiness.ArmResult.Closed:
                        result = _sendResult = new SocketOperationResult(SocketError.OperationAborted);
                        goto Complete;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            result = _sendResult = new SocketOperationResult(SocketError.OperationAborted);
        }

    Complete:
        _pendingSend!.SetResult(result);
    }

    /// <summary>One <c>recv</c>: false when the socket has nothing now (and readiness must be awaited).</summary>
    private bool TryReceive(Memory<byte> buffer, out SocketOperationResult result)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                _readable.Reset();
                nint received;
                fixed (byte* pointer = buffer.Span)
                {
                    received = Libc.Recv(_fd, pointer, (nuint)buffer.Length, 0);
                }

                if (received >= 0)
                {
                    result = new SocketOperationResult((int)received);
                    return true;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EIntr)
                {
                    continue;
                }

                result = errno == Libc.EAgain ? default : new SocketOperationResult(Libc.ToSocketError(errno));
                return errno != Libc.EAgain;
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Sends what is left of the current send, call after call while the socket takes it: false when the socket
    /// is full (and writability must be awaited), true when everything went or the send failed.
    /// </summary>
    private bool TrySend(out SocketOperationResult result)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            while (_sent < _sendLength)
            {
                _writable.Reset();
                var sent = _bufferCount == 1 ? SendFirst() : SendGathered();
                if (sent >= 0)
                {
                    _sent += sent;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EIntr)
                {
                    continue;
                }

                if (errno == Libc.EAgain)
                {
                    result = default;
                    return false;
                }

                result = _sendResult = new SocketOperationResult(Libc.ToSocketError(errno));
                return true;
            }

            result = _sendResult = new SocketOperationResult((int)_sent);
            return true;
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    private nint SendFirst()
    {
        var remaining = _firstBuffer.Span[(int)_sent..];
        fixed (byte* pointer = remaining)
        {
            var vector = new Libc.IOVector { Base = pointer, Length = (nuint)remaining.Length };
            return SendMessage(&vector, 1);
        }
    }

    private nint SendGathered()
    {
        var vectors = stackalloc Libc.IOVector[MaxSendBuffers];
        var pins = default(BufferPins);
        var count = 0;
        try
        {
            var skip = _sent;
            for (var i = 0; i < _bufferCount; i++)
            {
                var buffer = i == 0 ? _firstBuffer : _moreBuffers![i - 1];
                if (skip >= buffer.Length)
                {
                    skip -= buffer.Length;
                    continue;
                }

                var remaining = buffer[(int)skip..];
                skip = 0;
                pins[count] = remaining.Pin();
                vectors[count] = new Libc.IOVector { Base = (byte*)pins[count].Pointer, Length = (nuint)remaining.Length };
                count++;
            }

            return SendMessage(vectors, count);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                pins[i].Dispose();
            }
        }
    }

    private nint SendMessage(Libc.IOVector* vectors, int count)
    {
        var message = new Libc.MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        return Libc.SendMsg(_fd, &message, Libc.MsgNoSignal);
    }

    [InlineArray(MaxSendBuffers)]
    private struct BufferPins
    {
        private MemoryHandle _first;
    }

    /// <summary>The awaitable of a send the socket could not take at once; made on the first such send.</summary>
    private sealed class PendingSend : IValueTaskSource<SocketOperationResult>
    {
        private ManualResetValueTaskSourceCore<SocketOperationResult> _source;

        public ValueTask<SocketOperationResult> Awaitable => new(this, _source.Version);

        public void Reset() => _source.Reset();

        public void SetResult(SocketOperationResult result) => _source.SetResult(result);

        public SocketOperationResult GetResult(short token) => _source.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _source.OnCompleted(continuation, state, token, flags);
    }
}
