namespace Weir.LoadTest.Scenarios;

/// <summary>One worker's tallies: written by that worker alone, read by the runner at the window's edges.</summary>
internal sealed class WorkerCounters
{
    private long _operations;
    private long _bytes;
    private long _errors;
    private long _mismatches;

    public LatencyHistogram Latency { get; } = new();

    public long Operations => Volatile.Read(ref _operations);

    public long Bytes => Volatile.Read(ref _bytes);

    public long Errors => Volatile.Read(ref _errors);

    public long Mismatches => Volatile.Read(ref _mismatches);

    public void Completed(long operations, long bytes, long latencyTicks, bool measuring)
    {
        Volatile.Write(ref _operations, _operations + operations);
        Volatile.Write(ref _bytes, _bytes + bytes);
        if (measuring && latencyTicks >= 0)
        {
            Latency.RecordTicks(latencyTicks);
        }
    }

    public void Transferred(long bytes, long operations)
    {
        Volatile.Write(ref _bytes, _bytes + bytes);
        Volatile.Write(ref _operations, _operations + operations);
    }

    public void Error() => Interlocked.Increment(ref _errors);

    public void Mismatch() => Interlocked.Increment(ref _mismatches);
}
