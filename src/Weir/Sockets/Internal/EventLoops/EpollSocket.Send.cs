using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>The send side: one send at a time, its buffers gathered into <c>sendmsg</c> until all are gone.</summary>
internal sealed unsafe partial class EpollSocket
{
    // A send gathers at most this many buffers; the output never hands more.
    private const int MaxSendBuffers = 32;

    private Readiness _writable;
    private ReadOnlyMemory<byte> _firstBuffer;
    private ReadOnlyMemory<byte>[]? _moreBuffers;
    private int _bufferCount;
    private long _sendLength;
    private long _sent;
    private SocketOperationResult _sendResult;
    private PendingSend? _pendingSend;

    public int BufferCount => _bufferCount;

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
        if (TrySend(out var result))
        {
            return new ValueTask<SocketOperationResult>(result);
        }

        var pending = _pendingSend ??= new PendingSend();
        pending.Reset();
        return ArmOrSend(out result) ? new ValueTask<SocketOperationResult>(result) : pending.Awaitable;
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

    private void CompleteSend()
    {
        SocketOperationResult result;
        try
        {
            if (!TrySend(out result) && !ArmOrSend(out result))
            {
                return;
            }
        }
        catch (ObjectDisposedException)
        {
            result = _sendResult = SocketOperationResult.Aborted;
        }

        _pendingSend!.SetResult(result);
    }

    /// <summary>
    /// After a send the socket could not take in full: arms the wait (false), unless an edge came meanwhile and
    /// the retry finishes, or the socket closed (true, with the outcome).
    /// </summary>
    private bool ArmOrSend(out SocketOperationResult result)
    {
        while (true)
        {
            switch (_writable.Arm())
            {
                case Readiness.ArmResult.Armed:
                    result = default;
                    return false;
                case Readiness.ArmResult.Closed:
                    result = _sendResult = SocketOperationResult.Aborted;
                    return true;
            }

            if (TrySend(out result))
            {
                return true;
            }
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
