using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Weir.Buffers;

namespace Weir.Sockets.Internal;

/// <summary>
/// The connection's output: the application writes into pool blocks, and a flush sends what it committed at
/// once, on the flushing thread. There is no pipe and no send loop between the writer and the socket.
/// </summary>
/// <remarks>
/// <para>
/// A pipe plus a send loop cost an idle connection about 850 bytes (the pipe, its reader and writer, their
/// segment pool, the loop's state machine), and every message a trip through the pipe's lock and the loop's
/// continuation. This writer holds nothing while idle: the ring of blocks is rented for a burst and given back
/// when everything is sent.
/// </para>
/// <para>
/// One send is in flight at a time (<see cref="_sending"/>). A send that completes at once is followed by the
/// next on the same thread; one that pends continues on the socket's completion. Flush waits only above the
/// pause threshold (<c>MaxWriteBufferSize</c>), until the unsent bytes fall below the resume threshold.
/// State is guarded by the connection's lock; the application's own fast path (<see cref="GetMemory"/> on the
/// block it is writing, <see cref="Advance"/>) takes no lock, because the sender never touches the part of
/// the tail block that is not yet flushed, nor releases the tail while the application writes into it.
/// </para>
/// </remarks>
internal sealed class SocketOutput : PipeWriter
{
    // An iovec per block: this many blocks (128 KiB of small blocks, more of large) go out in one call.
    private const int MaxBlocksPerSend = 32;
    private const int InitialRingSize = 4;

    private readonly SocketConnection _connection;
    private readonly QueueSettings _queue;
    private readonly object _sync;

    // A ring of blocks from head (oldest, partly sent) to tail (the one being written), rented while not empty.
    private OutputBlock[]? _blocks;
    private int _head;
    private int _count;
    private int _tail;

    private long _unflushed;
    private long _unsent;
    private long _inFlight;
    private long _bytesSent;
    private bool _writing;
    private bool _sending;
    private bool _writerCompleted;
    private bool _ended;
    private Exception? _error;
    private bool _cancelNextFlush;
    private FlushWaiter? _flushWaiter;
    private ISocketSend? _pendingSend;
    private Action? _onSendCompleted;
    private TaskCompletionSource? _endedSource;

    public SocketOutput(
        SocketConnection connection, QueueSettings queue, object sync)
    {
        _connection = connection;
        _queue = queue;
        _sync = sync;
    }

    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Completes when sending has ended: everything sent and FIN, or the connection failed.</summary>
    public Task Ended
    {
        get
        {
            lock (_sync)
            {
                return _ended ? Task.CompletedTask : (_endedSource ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>
    /// Whether a send is in flight or has failed: only then can a reset have been reported to a send rather than
    /// to the receive. A send that takes a reset keeps <see cref="_sending"/> set until its error is recorded.
    /// </summary>
    public bool MayHaveTakenAReset => Volatile.Read(ref _sending) || Volatile.Read(ref _error) is not null;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        return _writing && TryGetTailSpace(sizeHint, out var memory) ? memory : GetMemorySlow(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (!_writing)
        {
            throw new InvalidOperationException("Advance was called without GetMemory or GetSpan before it.");
        }

        ref var tail = ref _blocks![_tail];
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, tail.Memory.Length - tail.End);
        tail.End += bytes;
        _unflushed += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        bool send;
        lock (_sync)
        {
            if (_writerCompleted)
            {
                throw new InvalidOperationException("Flushing is not allowed after the output was completed.");
            }

            Commit();
            send = !_sending && !_ended && _unsent > 0;
            _sending |= send;
            if (!send && !_sending)
            {
                ReleaseSentBlocks();
            }
        }

        if (send)
        {
            SendQueued();
        }

        lock (_sync)
        {
            if (_error is { } error)
            {
                return ValueTask.FromException<FlushResult>(error);
            }

            if (_cancelNextFlush)
            {
                _cancelNextFlush = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            var pause = _queue.Output.PauseThreshold;
            if (pause <= 0 || _unsent < pause)
            {
                return default;
            }

            _flushWaiter ??= new FlushWaiter(!_queue.Output.InlineContinuations);
            return _flushWaiter.Start(static (state, token) => ((SocketOutput)state!).CancelFlush(token), this, cancellationToken);
        }
    }

    public override void CancelPendingFlush()
    {
        bool wake;
        lock (_sync)
        {
            wake = TryEndFlushWait();
            _cancelNextFlush = !wake;
        }

        if (wake)
        {
            _flushWaiter!.SetResult(new FlushResult(isCanceled: true, isCompleted: false));
        }
    }

    public override void Complete(Exception? exception = null)
    {
        bool send;
        bool end;
        lock (_sync)
        {
            if (_writerCompleted)
            {
                return;
            }

            _writerCompleted = true;
            _writing = false;
            if (exception is not null || _ended || _error is not null)
            {
                _unflushed = 0;
                send = end = false;
                if (!_sending)
                {
                    ReleaseAllBlocks();
                }
            }
            else
            {
                // Like a pipe, completing commits what was written and not flushed.
                Commit();
                send = !_sending && _unsent > 0;
                end = !_sending && _unsent == 0;
                _sending |= send;
            }
        }

        if (exception is not null)
        {
            // Nothing it wrote can be trusted to end cleanly: the peer gets RST, not a FIN that reads as success.
            _connection.AbortFromOutput(new ConnectionAbortedException("The application completed the output with an error.", exception));
        }
        else if (send)
        {
            SendQueued();
        }
        else if (end)
        {
            _connection.SendFin();
            EndSending();
        }
    }

    /// <summary>The connection failed: a waiting flush throws <paramref name="error"/>, and sending ends.</summary>
    public void Fail(Exception error)
    {
        bool end;
        bool wake;
        lock (_sync)
        {
            if (_ended || _error is not null)
            {
                return;
            }

            _error = error;
            wake = TryEndFlushWait();
            end = !_sending;
        }

        if (wake)
        {
            _flushWaiter!.SetException(error);
        }

        if (end)
        {
            EndSending();
        }
    }

    private Memory<byte> GetMemorySlow(int sizeHint)
    {
        lock (_sync)
        {
            if (_writerCompleted)
            {
                throw new InvalidOperationException("Writing is not allowed after the output was completed.");
            }

            _writing = true;
            if (_count > 0 && TryGetTailSpace(sizeHint, out var memory))
            {
                return memory;
            }

            var owner = sizeHint > _queue.Pool.MaxBufferSize ? new ArrayPoolBlock(sizeHint) : _queue.Pool.Rent(sizeHint);
            Append(owner);
            return _blocks![_tail].Memory;
        }
    }

    // The tail's unwritten space, if it holds sizeHint bytes (at least one). The tail must exist.
    private bool TryGetTailSpace(int sizeHint, out Memory<byte> memory)
    {
        ref var tail = ref _blocks![_tail];
        var free = tail.Memory.Length - tail.End;
        memory = free > 0 && free >= sizeHint ? tail.Memory[tail.End..] : default;
        return !memory.IsEmpty;
    }

    // Callers hold the lock; the caller sets the waiting flush's outcome once it is released.
    private bool TryEndFlushWait() => _flushWaiter?.TryEnd() == true;

    // Callers hold the lock.
    private void Commit()
    {
        _unsent += _unflushed;
        _unflushed = 0;
        _writing = false;
        if (_ended)
        {
            // Nobody will send it: the connection has failed, and the flush reports why.
            _unsent = 0;
            ReleaseAllBlocks();
        }
    }

    /// <summary>The send pump: runs while <see cref="_sending"/> is this thread's, until nothing is left or a send pends.</summary>
    private void SendQueued()
    {
        while (NextSend() is { } send && SendNow(send))
        {
        }
    }

    /// <summary>A send holding the next bytes; null when there are none, and sending may have ended.</summary>
    private ISocketSend? NextSend()
    {
        bool ended;
        bool clean;
        lock (_sync)
        {
            if (_error is null && _unsent > 0)
            {
                var send = _connection.Channel.RentSend();
                _inFlight = GatherInto(send);
                return send;
            }

            _sending = false;
            ReleaseSentBlocks();
            clean = _error is null;
            ended = !clean || _writerCompleted;
        }

        // Everything the completed writer committed went out, or the connection failed.
        if (ended)
        {
            if (clean)
            {
                _connection.SendFin();
            }

            EndSending();
        }

        return null;
    }

    /// <summary>Sends; true when the send completed at once, false when it pends and will continue the pump itself.</summary>
    [SuppressMessage("Reliability", "CA2012", Justification =
        "The awaiter is taken at once and consumed once: either its result now, or its continuation later.")]
    private bool SendNow(ISocketSend send)
    {
        ValueTaskAwaiter<SocketOperationResult> operation;
        try
        {
            operation = _connection.Channel.SendAsync(send).GetAwaiter();
        }
        catch (Exception ex)
        {
            _connection.Channel.DiscardSend(send);
            Fail(_connection.SendThrew(ex));
            return true;
        }

        if (!operation.IsCompleted)
        {
            _pendingSend = send;
            operation.UnsafeOnCompleted(_onSendCompleted ??= OnSendCompleted);
            return false;
        }

        OnSent(send, operation.GetResult());
        return true;
    }

    private void OnSendCompleted()
    {
        var send = _pendingSend!;
        _pendingSend = null;
        OnSent(send, send.CurrentResult());
        SendQueued();
    }

    private void OnSent(ISocketSend send, SocketOperationResult result)
    {
        _connection.Channel.ReturnSend(send);
        if (result.HasError)
        {
            Fail(_connection.SendFailed(result.Error));
            return;
        }

        bool wake;
        lock (_sync)
        {
            Consume(_inFlight);
            _bytesSent += _inFlight;
            _unsent -= _inFlight;
            _inFlight = 0;
            wake = _unsent < _queue.Output.ResumeThreshold && TryEndFlushWait();
        }

        if (wake)
        {
            _flushWaiter!.SetResult(default);
        }
    }

    // Callers hold the lock.
    private long GatherInto(ISocketSend send)
    {
        var remaining = _unsent;
        var index = _head;
        long total = 0;
        for (var i = 0; i < _count && remaining > 0 && send.BufferCount < MaxBlocksPerSend; i++)
        {
            ref var block = ref _blocks![index];
            var length = (int)Math.Min(block.End - block.Start, remaining);
            if (length > 0)
            {
                send.Add(block.Memory.Slice(block.Start, length));
                total += length;
                remaining -= length;
            }

            index = Next(index);
        }

        return total;
    }

    // Callers hold the lock. Blocks sent in full are given back, but for the tail while it is being written.
    private void Consume(long bytes)
    {
        while (bytes > 0)
        {
            ref var head = ref _blocks![_head];
            var length = (int)Math.Min(head.End - head.Start, bytes);
            head.Start += length;
            bytes -= length;
            if (head.Start == head.End && _head != _tail)
            {
                RemoveHead();
            }
        }
    }

    // Callers hold the lock, and no send is in flight.
    private void ReleaseSentBlocks()
    {
        while (_count > 0)
        {
            ref var head = ref _blocks![_head];
            var isTail = _head == _tail;
            if (head.Start != head.End || (isTail && (_writing || _unflushed > 0)))
            {
                return;
            }

            RemoveHead();
        }
    }

    // Callers hold the lock, and no send is in flight.
    private void ReleaseAllBlocks()
    {
        while (_count > 0 && !(_writing && _head == _tail))
        {
            RemoveHead();
        }
    }

    private void Append(IMemoryOwner<byte> owner)
    {
        if (_blocks is null)
        {
            _blocks = ArrayPool<OutputBlock>.Shared.Rent(InitialRingSize);
            _head = 0;
        }
        else if (_count == _blocks.Length)
        {
            var larger = ArrayPool<OutputBlock>.Shared.Rent(_blocks.Length * 2);
            for (var i = 0; i < _count; i++)
            {
                larger[i] = _blocks[(_head + i) % _blocks.Length];
            }

            ArrayPool<OutputBlock>.Shared.Return(_blocks, clearArray: true);
            _blocks = larger;
            _head = 0;
        }

        _tail = (_head + _count) % _blocks.Length;
        _blocks[_tail] = new OutputBlock(owner);
        _count++;
    }

    private void RemoveHead()
    {
        ref var head = ref _blocks![_head];
        head.Owner.Dispose();
        head = default;
        _head = Next(_head);
        _count--;
        if (_count == 0)
        {
            // An idle connection keeps no ring: it is rented again by the next burst.
            ArrayPool<OutputBlock>.Shared.Return(_blocks);
            _blocks = null;
            _head = _tail = 0;
        }
    }

    private int Next(int index) => index + 1 == _blocks!.Length ? 0 : index + 1;

    private void EndSending()
    {
        TaskCompletionSource? ended;
        bool wake;
        lock (_sync)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            _unsent = 0;
            ReleaseAllBlocks();
            wake = TryEndFlushWait();
            ended = _endedSource;
        }

        if (wake)
        {
            _flushWaiter!.SetResult(new FlushResult(isCanceled: false, isCompleted: true));
        }

        ended?.TrySetResult();
        _connection.OnSendEnded();
    }

    private void CancelFlush(CancellationToken token)
    {
        bool wake;
        lock (_sync)
        {
            wake = TryEndFlushWait();
        }

        if (wake)
        {
            _flushWaiter!.SetException(new OperationCanceledException(token));
        }
    }
}
