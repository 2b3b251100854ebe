namespace Weir.LoadTest.Scenarios;

/// <summary>
/// The shared state of one timed run: workers keep going until <see cref="Stopping"/>, and record latencies
/// only while <see cref="Measuring"/>.
/// </summary>
internal sealed class LoadWindow
{
    private volatile bool _measuring;
    private volatile bool _stopping;

    public bool Measuring => _measuring;

    public bool Stopping => _stopping;

    public List<WorkerCounters> Workers { get; } = [];

    public WorkerCounters NewWorker()
    {
        var counters = new WorkerCounters();
        lock (Workers)
        {
            Workers.Add(counters);
        }

        return counters;
    }

    public void StartMeasuring() => _measuring = true;

    public void Stop()
    {
        _measuring = false;
        _stopping = true;
    }

    public (long Operations, long Bytes, long Errors, long Mismatches) Totals()
    {
        lock (Workers)
        {
            return (Workers.Sum(w => w.Operations), Workers.Sum(w => w.Bytes),
                Workers.Sum(w => w.Errors), Workers.Sum(w => w.Mismatches));
        }
    }

    public LatencyHistogram MergedLatency()
    {
        var merged = new LatencyHistogram();
        lock (Workers)
        {
            foreach (var worker in Workers)
            {
                merged.Add(worker.Latency);
            }
        }

        return merged;
    }
}
