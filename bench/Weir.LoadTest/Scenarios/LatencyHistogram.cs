using System.Diagnostics;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Log-bucketed latencies (about 2% apart), cheap enough to record every message. One per worker, merged at
/// the end, so recording takes no lock.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double BucketsPerE = 50;
    private const int BucketCount = 1_000;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public void RecordTicks(long stopwatchTicks)
    {
        var micros = stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency;
        var bucket = (int)(Math.Log(micros + 1) * BucketsPerE);
        _counts[Math.Min(bucket, BucketCount - 1)]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency below which <paramref name="quantile"/> of the samples fall, in microseconds.</summary>
    public double Percentile(double quantile)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                // The bucket's upper edge: a conservative figure.
                return Math.Exp((i + 1) / BucketsPerE) - 1;
            }
        }

        return Math.Exp(BucketCount / BucketsPerE) - 1;
    }
}
