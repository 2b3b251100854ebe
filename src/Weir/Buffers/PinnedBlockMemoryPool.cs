using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Diagnostics;

namespace Weir.Buffers;

/// <summary>
/// A <see cref="MemoryPool{T}"/> of array-backed blocks of pinned memory, cut from slabs on the pinned object
/// heap, so sockets can gather and scatter them without pinning per call.
/// </summary>
/// <remarks>
/// <para>Two sizes are served: <see cref="BlockSize"/> (4 KiB) for any request up to that size, and
/// <see cref="LargeBlockSize"/> (32 KiB) for larger requests, so a busy stream reads more than one small block per
/// system call. Rent and return are lock-free.</para>
/// <para>Blocks idle in the pool are released a little at a time (every <see cref="EvictionInterval"/>, up to half
/// of those not needed in the last interval), so memory shrinks after a burst.</para>
/// <para>With leak tracking on (the constructor's argument, or the <c>Weir.Buffers.TrackLeaks</c> AppContext switch)
/// every rented block remembers its renter's stack, and <see cref="Dispose(bool)"/> logs each block still out.
/// Tracking is off by default and then costs one null check per rent.</para>
/// </remarks>
public sealed class PinnedBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of a small block: 4 KiB.</summary>
    public const int BlockSize = 4 * 1024;

    /// <summary>The size of a large block, served for requests above <see cref="BlockSize"/>: 32 KiB.</summary>
    public const int LargeBlockSize = 32 * 1024;

    /// <summary>How often idle blocks are considered for release.</summary>
    public static readonly TimeSpan EvictionInterval = TimeSpan.FromSeconds(10);

    private const int SlabSize = 128 * 1024;
    private const string TrackLeaksSwitch = "Weir.Buffers.TrackLeaks";

    private readonly ConcurrentQueue<PinnedBlock> _small = new();
    private readonly ConcurrentQueue<PinnedBlock> _large = new();
    private readonly ConcurrentDictionary<PinnedBlock, StackTrace>? _renters;
    private readonly ILogger _logger;
    private readonly ITimer _evictionTimer;
    private long _liveBlocks;

    // Counted without atomics: eviction only needs the rough demand of the last interval, not an exact one.
    private int _rentsSinceScan;
    private volatile bool _disposed;

    /// <summary>Creates a pool.</summary>
    /// <param name="trackLeaks">Remember each renter's stack and report blocks still out at dispose; when
    /// <see langword="null"/>, the <c>Weir.Buffers.TrackLeaks</c> AppContext switch decides (off by default).</param>
    /// <param name="timeProvider">The clock that drives eviction; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Where leaks are reported.</param>
    public PinnedBlockMemoryPool(bool? trackLeaks = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        if (trackLeaks ?? (AppContext.TryGetSwitch(TrackLeaksSwitch, out var on) && on))
        {
            _renters = new ConcurrentDictionary<PinnedBlock, StackTrace>(ReferenceEqualityComparer.Instance);
        }

        _evictionTimer = (timeProvider ?? TimeProvider.System).CreateTimer(
            static state => ((PinnedBlockMemoryPool)state!).EvictIdleBlocks(), this, EvictionInterval, EvictionInterval);
    }

    /// <inheritdoc />
    public override int MaxBufferSize => LargeBlockSize;

    /// <summary>Gets the number of blocks rented and not yet returned.</summary>
    public long LiveBlocks => Interlocked.Read(ref _liveBlocks);

    /// <summary>Gets the number of blocks waiting in the pool.</summary>
    public int IdleBlocks => _small.Count + _large.Count;

    /// <summary>Gets whether each rented block remembers its renter's stack.</summary>
    public bool IsTrackingLeaks => _renters is not null;

    /// <summary>Gets the renters' stacks of the blocks still out; empty unless <see cref="IsTrackingLeaks"/>.</summary>
    public IReadOnlyList<string> DescribeLiveBlocks() =>
        _renters is null ? [] : [.. _renters.Values.Select(static s => s.ToString())];

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => RentBlock(minBufferSize);

    /// <summary>Rents a block as the block it is, for the transport's own chains of blocks.</summary>
    internal PinnedBlock RentBlock(int minBufferSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, LargeBlockSize);

        var large = minBufferSize > BlockSize;
        if (!(large ? _large : _small).TryDequeue(out var block))
        {
            block = AllocateSlab(large ? LargeBlockSize : BlockSize);
        }

        block.TryMarkRented();
        Interlocked.Increment(ref _liveBlocks);
        _rentsSinceScan++;
        _renters?.TryAdd(block, new StackTrace(1, fNeedFileInfo: true));
        return block;
    }

    internal void Return(PinnedBlock block)
    {
        Interlocked.Decrement(ref _liveBlocks);
        _renters?.TryRemove(block, out _);
        if (!_disposed)
        {
            (block.IsLarge ? _large : _small).Enqueue(block);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _evictionTimer.Dispose();
        _small.Clear();
        _large.Clear();
        if (_renters is not null)
        {
            foreach (var renter in _renters.Values)
            {
                WeirLog.BufferLeaked(_logger, renter.ToString());
            }
        }
    }

    private PinnedBlock AllocateSlab(int blockSize)
    {
        // One slab serves several blocks; a slab is freed by the GC once every block cut from it is evicted.
        var slab = GC.AllocateUninitializedArray<byte>(SlabSize, pinned: true);
        var first = new PinnedBlock(this, slab, 0, blockSize);
        for (var offset = blockSize; offset + blockSize <= SlabSize; offset += blockSize)
        {
            (blockSize == BlockSize ? _small : _large).Enqueue(new PinnedBlock(this, slab, offset, blockSize));
        }

        return first;
    }

    private void EvictIdleBlocks()
    {
        var recentRents = Interlocked.Exchange(ref _rentsSinceScan, 0);
        Evict(_small, recentRents);
        Evict(_large, recentRents);
    }

    private static void Evict(ConcurrentQueue<PinnedBlock> queue, int recentRents)
    {
        // Dropping a block is its release: the GC frees a slab once no block cut from it is left.
        var toRelease = (queue.Count - recentRents + 1) / 2;
        for (var i = 0; i < toRelease; i++)
        {
            if (!queue.TryDequeue(out _))
            {
                break;
            }
        }
    }
}
