using Weir.Buffers;

namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>Fails a test that leaves pool blocks out, naming each renter.</summary>
internal static class LeakCheck
{
    public static void AssertNoLiveBlocks(PinnedBlockMemoryPool pool)
    {
        Assert.True(pool.IsTrackingLeaks, "Leak tracking is off: the Weir.Buffers.TrackLeaks switch did not reach the pool.");
        var live = pool.LiveBlocks;
        if (live != 0)
        {
            var renters = pool.DescribeLiveBlocks();
            Assert.Fail($"{live} pool block(s) were never returned. Renters:\n{string.Join("\n---\n", renters.Take(5))}");
        }
    }
}
