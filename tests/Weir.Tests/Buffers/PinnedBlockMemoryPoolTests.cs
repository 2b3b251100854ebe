using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Weir.Buffers;

namespace Weir.Tests.Buffers;

public sealed class PinnedBlockMemoryPoolTests
{
    [Theory]
    [InlineData(-1, PinnedBlockMemoryPool.BlockSize)]
    [InlineData(1, PinnedBlockMemoryPool.BlockSize)]
    [InlineData(PinnedBlockMemoryPool.BlockSize, PinnedBlockMemoryPool.BlockSize)]
    [InlineData(PinnedBlockMemoryPool.BlockSize + 1, PinnedBlockMemoryPool.LargeBlockSize)]
    [InlineData(PinnedBlockMemoryPool.LargeBlockSize, PinnedBlockMemoryPool.LargeBlockSize)]
    public void RentServesTheSmallestBlockThatFits(int requested, int expected)
    {
        using var pool = new PinnedBlockMemoryPool();

        using var block = pool.Rent(requested);

        Assert.Equal(expected, block.Memory.Length);
    }

    [Fact]
    public void BlocksAreArrayBackedAndPinned()
    {
        using var pool = new PinnedBlockMemoryPool();
        using var block = pool.Rent();

        Assert.True(MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment));

        // Arrays on the pinned object heap report generation 2 and never move; a handle to pin them is not needed.
        Assert.Equal(2, GC.GetGeneration(segment.Array!));
    }

    [Fact]
    public void RequestsAboveTheLargeBlockSizeAreRefused()
    {
        using var pool = new PinnedBlockMemoryPool();

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(PinnedBlockMemoryPool.LargeBlockSize + 1));
    }

    [Fact]
    public void LiveBlocksCountsRentedBlocksUntilTheyAreReturned()
    {
        using var pool = new PinnedBlockMemoryPool();
        var first = pool.Rent();
        var second = pool.Rent(PinnedBlockMemoryPool.LargeBlockSize);

        Assert.Equal(2, pool.LiveBlocks);
        first.Dispose();
        second.Dispose();
        Assert.Equal(0, pool.LiveBlocks);
    }

    [Fact]
    public void ReturningABlockTwiceDoesNotHandItToTwoRenters()
    {
        using var pool = new PinnedBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using var first = pool.Rent();
        using var second = pool.Rent();

        Assert.NotSame(first, second);
        Assert.Equal(2, pool.LiveBlocks);
    }

    [Fact]
    public void AReturnedBlockIsReused()
    {
        using var pool = new PinnedBlockMemoryPool();
        var block = pool.Rent();
        var idle = pool.IdleBlocks;
        block.Dispose();

        Assert.Equal(idle + 1, pool.IdleBlocks);
        using var again = pool.Rent();
        Assert.Equal(idle, pool.IdleBlocks);
    }

    [Fact]
    public async Task ConcurrentRentAndReturnKeepTheCountsExact()
    {
        using var pool = new PinnedBlockMemoryPool();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(
            () =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    using var block = pool.Rent(i % 3 == 0 ? PinnedBlockMemoryPool.LargeBlockSize : 100);
                    block.Memory.Span[0] = (byte)worker;
                }
            },
            TestContext.Current.CancellationToken)));

        Assert.Equal(0, pool.LiveBlocks);
    }

    [Fact]
    public void IdleBlocksAreReleasedAfterABurst()
    {
        var time = new FakeTimeProvider();
        using var pool = new PinnedBlockMemoryPool(timeProvider: time);
        var burst = Enumerable.Range(0, 200).Select(_ => pool.Rent()).ToList();
        burst.ForEach(b => b.Dispose());
        var afterBurst = pool.IdleBlocks;
        Assert.True(afterBurst >= 200);

        time.Advance(PinnedBlockMemoryPool.EvictionInterval);
        var afterOneInterval = pool.IdleBlocks;
        for (var i = 0; i < 30; i++)
        {
            time.Advance(PinnedBlockMemoryPool.EvictionInterval);
        }

        Assert.True(afterOneInterval < afterBurst);
        Assert.Equal(0, pool.IdleBlocks);
    }

    [Fact]
    public void BlocksInSteadyUseAreKept()
    {
        var time = new FakeTimeProvider();
        using var pool = new PinnedBlockMemoryPool(timeProvider: time);
        pool.Rent().Dispose();
        var idle = pool.IdleBlocks;

        for (var interval = 0; interval < 5; interval++)
        {
            var inUse = Enumerable.Range(0, idle).Select(_ => pool.Rent()).ToList();
            inUse.ForEach(b => b.Dispose());
            time.Advance(PinnedBlockMemoryPool.EvictionInterval);
        }

        Assert.Equal(idle, pool.IdleBlocks);
    }

    [Fact]
    public void RentingFromADisposedPoolThrows()
    {
        var pool = new PinnedBlockMemoryPool();
        var block = pool.Rent();
        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        block.Dispose();
        Assert.Equal(0, pool.LiveBlocks);
    }

    [Fact]
    public void LeakTrackingIsOffByDefault()
    {
        using var pool = new PinnedBlockMemoryPool();
        using var block = pool.Rent();

        Assert.False(pool.IsTrackingLeaks);
        Assert.Empty(pool.DescribeLiveBlocks());
    }

    [Fact]
    public void LeakTrackingReportsTheRentersStackOfEveryBlockStillOut()
    {
        var logs = new FakeLogCollector();
        var pool = new PinnedBlockMemoryPool(trackLeaks: true, logger: new FakeLogger(logs));
        pool.Rent().Dispose();
        _ = RentAndForget(pool);

        var live = Assert.Single(pool.DescribeLiveBlocks());
        Assert.Contains(nameof(RentAndForget), live);

        pool.Dispose();
        var report = Assert.Single(logs.GetSnapshot());
        Assert.Equal("BufferLeaked", report.Id.Name);
        Assert.Contains(nameof(RentAndForget), report.Message);
    }

    private static IDisposable RentAndForget(PinnedBlockMemoryPool pool) => pool.Rent();
}
