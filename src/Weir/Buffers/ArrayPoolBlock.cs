using System.Buffers;

namespace Weir.Buffers;

/// <summary>
/// A buffer larger than the pool's blocks, rented from the shared array pool. Rare (a single write asking for
/// more than 32 KiB of contiguous memory) and given back on dispose.
/// </summary>
internal sealed class ArrayPoolBlock(int minimumLength) : IMemoryOwner<byte>
{
    private byte[]? _array = ArrayPool<byte>.Shared.Rent(minimumLength);

    public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(ArrayPoolBlock));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
