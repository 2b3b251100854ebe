using System.Buffers;
using BenchmarkDotNet.Attributes;
using Weir.Buffers;

namespace Weir.Benchmarks;

/// <summary>Renting and returning one 4 KiB block: Weir's pinned pool next to the runtime's shared pools.</summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private const int BlockSize = 4096;
    private PinnedBlockMemoryPool _pinned = null!;

    [GlobalSetup]
    public void Setup() => _pinned = new PinnedBlockMemoryPool();

    [GlobalCleanup]
    public void Cleanup() => _pinned.Dispose();

    [Benchmark(Baseline = true, Description = "PinnedBlockMemoryPool")]
    public int Pinned()
    {
        using var owner = _pinned.Rent(BlockSize);
        return owner.Memory.Length;
    }

    [Benchmark(Description = "MemoryPool<byte>.Shared")]
    public int SharedMemoryPool()
    {
        using var owner = MemoryPool<byte>.Shared.Rent(BlockSize);
        return owner.Memory.Length;
    }

    [Benchmark(Description = "ArrayPool<byte>.Shared")]
    public int SharedArrayPool()
    {
        var array = ArrayPool<byte>.Shared.Rent(BlockSize);
        ArrayPool<byte>.Shared.Return(array);
        return array.Length;
    }
}
