using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>The receive side: waiting for data, and <c>recv</c> into the buffer it is given.</summary>
internal sealed unsafe partial class EpollSocket
{
    private Readiness _readable;
    private Memory<byte> _receiveBuffer;
    private bool _waitingForData;
    private ManualResetValueTaskSourceCore<SocketOperationResult> _receive;

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
            _ => new ValueTask<SocketOperationResult>(SocketOperationResult.Aborted),
        };
    }

    public ValueTask<SocketOperationResult> ReceiveAsync(Memory<byte> buffer)
    {
        if (TryReceive(buffer, out var result))
        {
            return new ValueTask<SocketOperationResult>(result);
        }

        _receive.Reset();
        _waitingForData = false;
        _receiveBuffer = buffer;
        if (ArmOrReceive(out result))
        {
            _receiveBuffer = default;
            return new ValueTask<SocketOperationResult>(result);
        }

        return new ValueTask<SocketOperationResult>(this, _receive.Version);
    }

    public SocketOperationResult GetResult(short token) => _receive.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _receive.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _receive.OnCompleted(continuation, state, token, flags);

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
            // Woken, and yet nothing to read: the event was someone else's, or already consumed; wait again.
            if (!TryReceive(_receiveBuffer, out result) && !ArmOrReceive(out result))
            {
                return;
            }
        }
        catch (ObjectDisposedException)
        {
            result = SocketOperationResult.Aborted;
        }

        _receiveBuffer = default;
        _receive.SetResult(result);
    }

    /// <summary>
    /// After a receive that would block: arms the wait (false), unless an edge came meanwhile and the retry
    /// receives, or the socket closed (true, with the outcome).
    /// </summary>
    private bool ArmOrReceive(out SocketOperationResult result)
    {
        while (true)
        {
            switch (_readable.Arm())
            {
                case Readiness.ArmResult.Armed:
                    result = default;
                    return false;
                case Readiness.ArmResult.Closed:
                    result = SocketOperationResult.Aborted;
                    return true;
            }

            if (TryReceive(_receiveBuffer, out result))
            {
                return true;
            }
        }
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
}
