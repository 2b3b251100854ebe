using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Weir.Buffers;

namespace Weir.Sockets.Internal;

/// <summary>
/// The connection's input: the receive loop receives into pool blocks and commits what arrived; the application
/// reads the committed bytes as one sequence whose segments are those blocks.
/// </summary>
/// <remarks>
/// <para>
/// A pipe costs an idle connection about 530 bytes (the pipe, its reader and writer, its lock, its segment pool
/// and the segment it keeps). This reader is one object: blocks are their own sequence segments
/// (<see cref="PinnedBlock"/>), and each goes back to the pool once the application has consumed it, so an
/// idle connection holds no block and no segment.
/// </para>
/// <para>
/// Positions are absolute byte counts since the connection began: bytes before <see cref="_consumed"/> are gone,
/// bytes up to <see cref="_committed"/> are readable, and a read waits only while nothing lies beyond
/// <see cref="_examined"/>. State is guarded by the connection's lock; completions are signalled after it is
/// released, because an inline continuation runs inside them.
/// </para>
/// </remarks>
internal sealed class SocketInput : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly QueueSettings _queue;
    private readonly object _sync;

    // The chain of readable blocks, from _head at _headIndex to _tail at _tailEnd.
    private PinnedBlock? _head;
    private int _headIndex;
    private PinnedBlock? _tail;
    private int _tailEnd;
    private long _consumed;
    private long _examined;
    private long _committed;

    // The block the receive loop is receiving into: the tail, or a new block chained when the bytes are committed.
    private PinnedBlock? _receiving;

    private bool _readerWaiting;
    private bool _cancelNextRead;
    private bool _readerCompleted;
    private bool _writerCompleted;
    private Exception? _writerError;
    private ManualResetValueTaskSourceCore<ReadResult> _read;
    private CancellationTokenRegistration _readCancellation;
    private FlushWaiter? _backpressure;

    public SocketInput(QueueSettings queue, object sync)
    {
        _queue = queue;
        _sync = sync;
        _read.RunContinuationsAsynchronously = !queue.Input.InlineContinuations;
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            ThrowIfReading();
            if (HasResult())
            {
                result = TakeResult();
                return true;
            }
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        lock (_sync)
        {
            ThrowIfReading();
            if (HasResult())
            {
                return new ValueTask<ReadResult>(TakeResult());
            }

            _readerWaiting = true;
            _read.Reset();
            if (cancellationToken.CanBeCanceled)
            {
                _readCancellation = cancellationToken.UnsafeRegister(
                    static (state, token) => ((SocketInput)state!).CancelRead(token), this);
            }

            return new ValueTask<ReadResult>(this, _read.Version);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool resume;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                throw new InvalidOperationException("Reading is not allowed after the input was completed.");
            }

            var consumedAt = Absolute(consumed);
            var examinedAt = Absolute(examined);
            if (consumedAt < _consumed || examinedAt < consumedAt || examinedAt > _committed)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(consumed), "The positions must lie within the last buffer read, examined at or after consumed.");
            }

            _consumed = consumedAt;
            _examined = examinedAt;
            ReleaseConsumedBlocks();
            resume = WriterMayResume();
        }

        if (resume)
        {
            _backpressure!.SetResult(default);
        }
    }

    public override void CancelPendingRead()
    {
        bool wake;
        ReadResult result = default;
        lock (_sync)
        {
            _cancelNextRead = true;
            wake = TryWakeReader(ref result);
        }

        if (wake)
        {
            SignalReader(result);
        }
    }

    public override void Complete(Exception? exception = null)
    {
        bool resume;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            ReleaseAllBlocks();
            resume = TryEndBackpressure();
        }

        // The receive loop learns that nobody reads any more, and drains what the peer still sends.
        if (resume)
        {
            _backpressure!.SetResult(new FlushResult(isCanceled: false, isCompleted: true));
        }
    }

    /// <summary>The receive loop's buffer: free space at the end of the tail, else a new block.</summary>
    public Memory<byte> GetReceiveBuffer(int minimumSize)
    {
        lock (_sync)
        {
            if (_tail is not null && _tail.Block.Length - _tailEnd >= minimumSize)
            {
                _receiving = _tail;
                return _tail.Block[_tailEnd..];
            }
        }

        var block = _queue.Pool.RentBlock(minimumSize);
        lock (_sync)
        {
            _receiving = block;
        }

        return block.Block;
    }

    /// <summary>
    /// Makes <paramref name="count"/> received bytes readable. Waits, above the pause threshold, until the
    /// application has consumed enough; completed once the application reads no more.
    /// </summary>
    public ValueTask<FlushResult> CommitAsync(int count)
    {
        bool wake;
        ReadResult result = default;
        ValueTask<FlushResult> commit = default;
        lock (_sync)
        {
            var block = _receiving!;
            _receiving = null;
            if (_readerCompleted)
            {
                block.Dispose();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (block != _tail)
            {
                block.StartAt(_committed);
                if (_tail is null)
                {
                    _head = block;
                    _headIndex = 0;
                }
                else
                {
                    _tail.SetNext(block);
                }

                _tail = block;
                _tailEnd = 0;
            }

            _tailEnd += count;
            block.SetReadable(_tailEnd);
            _committed += count;
            wake = TryWakeReader(ref result);

            // Started before the reader is woken: a reader that consumes at once finds the wait and ends it.
            var pause = _queue.Input.PauseThreshold;
            if (pause > 0 && _committed - _consumed >= pause)
            {
                _backpressure ??= new FlushWaiter(runContinuationsAsynchronously: true);
                commit = _backpressure.Start(null, null, CancellationToken.None);
            }
        }

        if (wake)
        {
            SignalReader(result);
        }

        return commit;
    }

    /// <summary>Gives back the receive buffer when nothing was received into it (end of stream, or an error).</summary>
    public void ReleaseReceiveBuffer()
    {
        lock (_sync)
        {
            DropReceiveBuffer();
            ReleaseConsumedBlocks();
        }
    }

    /// <summary>Wakes a commit waiting for the application: it returns canceled.</summary>
    public void CancelPendingCommit()
    {
        bool resume;
        lock (_sync)
        {
            resume = TryEndBackpressure();
        }

        if (resume)
        {
            _backpressure!.SetResult(new FlushResult(isCanceled: true, isCompleted: false));
        }
    }

    /// <summary>Receiving has ended: reads see the end of the input, or throw <paramref name="error"/>.</summary>
    public void CompleteWriter(Exception? error)
    {
        bool wake;
        ReadResult result = default;
        lock (_sync)
        {
            if (_writerCompleted)
            {
                return;
            }

            _writerCompleted = true;
            _writerError = error;
            DropReceiveBuffer();
            if (_readerCompleted)
            {
                ReleaseAllBlocks();
            }

            wake = TryWakeReader(ref result);
        }

        if (wake)
        {
            SignalReader(result);
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    // Callers hold the lock.
    private void ThrowIfReading()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the input was completed.");
        }

        if (_readerWaiting)
        {
            throw new InvalidOperationException("A read is already in progress; a reader reads one at a time.");
        }
    }

    private bool HasResult() => _cancelNextRead || _writerCompleted || _committed > _examined;

    // Like a pipe, a writer's error is thrown as soon as it is known, before any bytes still unread.
    private ReadResult TakeResult()
    {
        if (_writerError is not null)
        {
            throw _writerError;
        }

        return NextResult();
    }

    // Callers hold the lock; the caller sets the result (or the writer's error) once it is released.
    private bool TryWakeReader(ref ReadResult result)
    {
        if (!_readerWaiting || !HasResult())
        {
            return false;
        }

        _readerWaiting = false;
        _readCancellation.Unregister();
        _readCancellation = default;
        if (_writerError is null)
        {
            result = NextResult();
        }

        return true;
    }

    // After the lock is released: the writer's error, once known, is what a woken read throws.
    private void SignalReader(ReadResult result)
    {
        if (Volatile.Read(ref _writerError) is { } error)
        {
            _read.SetException(error);
        }
        else
        {
            _read.SetResult(result);
        }
    }

    private void CancelRead(CancellationToken token)
    {
        lock (_sync)
        {
            if (!_readerWaiting)
            {
                return;
            }

            _readerWaiting = false;
            _readCancellation = default;
        }

        _read.SetException(new OperationCanceledException(token));
    }

    // Callers hold the lock. A pending cancellation is observed by this result only.
    private ReadResult NextResult()
    {
        var canceled = _cancelNextRead;
        _cancelNextRead = false;
        return new ReadResult(Buffer(), canceled, _writerCompleted);
    }

    // Callers hold the lock. The receive loop's buffer, unless it is the chained tail, goes back to the pool.
    private void DropReceiveBuffer()
    {
        if (_receiving is { } block && block != _tail)
        {
            block.Dispose();
        }

        _receiving = null;
    }

    // Callers hold the lock; the caller sets the waiting commit's outcome once it is released.
    private bool TryEndBackpressure() => _backpressure?.TryEnd() == true;

    private ReadOnlySequence<byte> Buffer() =>
        _head is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head, _headIndex, _tail!, _tailEnd);

    private long Absolute(SequencePosition position) => position.GetObject() switch
    {
        PinnedBlock block => block.RunningIndex + position.GetInteger(),

        // An empty buffer's positions: nothing to consume.
        null or byte[] { Length: 0 } => _consumed,
        _ => throw new InvalidOperationException("The position does not belong to this input."),
    };

    // Callers hold the lock.
    private bool WriterMayResume() =>
        _committed - _consumed < _queue.Input.ResumeThreshold && TryEndBackpressure();

    // Callers hold the lock. A block the receive loop is receiving into stays, consumed or not.
    private void ReleaseConsumedBlocks()
    {
        while (_head is not null)
        {
            var readableEnd = _head.RunningIndex + _head.Memory.Length;
            if (_consumed < readableEnd)
            {
                _headIndex = (int)(_consumed - _head.RunningIndex);
                return;
            }

            if (_head == _tail)
            {
                if (_receiving == _head)
                {
                    _headIndex = _tailEnd;
                    return;
                }

                _head.Dispose();
                _head = _tail = null;
                _headIndex = _tailEnd = 0;
                return;
            }

            var next = (PinnedBlock)_head.Next!;
            _head.Dispose();
            _head = next;
            _headIndex = 0;
        }
    }

    // Callers hold the lock.
    private void ReleaseAllBlocks()
    {
        while (_head is not null)
        {
            var next = _head == _tail ? null : (PinnedBlock)_head.Next!;
            if (_head != _receiving)
            {
                _head.Dispose();
            }

            _head = next;
        }

        _tail = null;
        _headIndex = _tailEnd = 0;
        _consumed = _examined = _committed;
    }
}
