using System.Buffers;

namespace Weir.Buffers;

/// <summary>
/// One block of a <see cref="PinnedBlockMemoryPool"/>: a slice of a pinned slab, returned on dispose. A block is
/// also a segment of a <see cref="ReadOnlySequence{T}"/>, so a connection's input chains its blocks directly and
/// needs no segment objects of its own, neither per message nor while idle.
/// </summary>
internal sealed class PinnedBlock : ReadOnlySequenceSegment<byte>, IMemoryOwner<byte>
{
    private readonly PinnedBlockMemoryPool _pool;
    private int _rented;

    public PinnedBlock(PinnedBlockMemoryPool pool, byte[] slab, int offset, int length)
    {
        _pool = pool;
        Block = new Memory<byte>(slab, offset, length);
    }

    /// <summary>The whole block, writable.</summary>
    public Memory<byte> Block { get; }

    Memory<byte> IMemoryOwner<byte>.Memory => Block;

    public bool IsLarge => Block.Length > PinnedBlockMemoryPool.BlockSize;

    /// <summary>As a segment: the first <paramref name="length"/> bytes are readable.</summary>
    public void SetReadable(int length) => Memory = Block[..length];

    /// <summary>As a segment: where it starts in its sequence, with nothing after it yet.</summary>
    public void StartAt(long runningIndex)
    {
        RunningIndex = runningIndex;
        Memory = default;
        Next = null;
    }

    /// <summary>As a segment: the block that follows it.</summary>
    public void SetNext(PinnedBlock next) => Next = next;

    /// <summary>Marks the block rented; false when it already was (a double rent is a pool bug).</summary>
    public bool TryMarkRented() => Interlocked.Exchange(ref _rented, 1) == 0;

    public void Dispose()
    {
        // A second dispose must not put the block in the pool twice: two renters would share it.
        if (Interlocked.Exchange(ref _rented, 0) == 1)
        {
            // A pooled block keeps no chain alive.
            Next = null;
            Memory = default;
            _pool.Return(this);
        }
    }
}
