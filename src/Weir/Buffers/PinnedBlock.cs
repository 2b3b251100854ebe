using System.Buffers;

namespace Weir.Buffers;

/// <summary>One block of a <see cref="PinnedBlockMemoryPool"/>: a slice of a pinned slab, returned on dispose.</summary>
internal sealed class PinnedBlock : IMemoryOwner<byte>
{
    private readonly PinnedBlockMemoryPool _pool;
    private int _rented;

    public PinnedBlock(PinnedBlockMemoryPool pool, byte[] slab, int offset, int length)
    {
        _pool = pool;
        Memory = new Memory<byte>(slab, offset, length);
    }

    public Memory<byte> Memory { get; }

    public bool IsLarge => Memory.Length > PinnedBlockMemoryPool.BlockSize;

    /// <summary>Marks the block rented; false when it already was (a double rent is a pool bug).</summary>
    public bool TryMarkRented() => Interlocked.Exchange(ref _rented, 1) == 0;

    public void Dispose()
    {
        // A second dispose must not put the block in the pool twice: two renters would share it.
        if (Interlocked.Exchange(ref _rented, 0) == 1)
        {
            _pool.Return(this);
        }
    }
}
