namespace Weir.LoadTest.Scenarios;

/// <summary>What one round of one scenario measured against one server.</summary>
internal sealed record RoundResult
{
    public required string Transport { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public long Operations { get; init; }

    public long Bytes { get; init; }

    public long Errors { get; init; }

    public long Mismatches { get; init; }

    public double P50Micros { get; init; } = double.NaN;

    public double P99Micros { get; init; } = double.NaN;

    public TimeSpan ServerCpu { get; init; }

    public TimeSpan ClientCpu { get; init; }

    /// <summary>The cores the load client could use: this process's, or one for the single-threaded native client.</summary>
    public int ClientCores { get; init; } = Environment.ProcessorCount;

    public long ServerAllocatedBytes { get; init; }

    /// <summary>Resident bytes per idle connection (idle scenario only).</summary>
    public double ResidentBytesPerConnection { get; init; } = double.NaN;

    /// <summary>Managed heap bytes per idle connection (idle scenario only).</summary>
    public double HeapBytesPerConnection { get; init; } = double.NaN;

    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;

    public double MegabytesPerSecond => Bytes / Elapsed.TotalSeconds / 1e6;

    public double ServerCpuMicrosPerOperation => Operations == 0 ? double.NaN : ServerCpu.TotalMicroseconds / Operations;

    public double ClientCpuMicrosPerOperation => Operations == 0 ? double.NaN : ClientCpu.TotalMicroseconds / Operations;

    /// <summary>The share of the client's cores the load client used: near 1 means the client was the limit.</summary>
    public double ClientUtilisation => ClientCpu / (Elapsed * ClientCores);

    public double ServerAllocatedPerOperation => Operations == 0 ? double.NaN : (double)ServerAllocatedBytes / Operations;

    public double Value(PrimaryMetric metric) => metric switch
    {
        PrimaryMetric.MessagesPerSecond or PrimaryMetric.ConnectionsPerSecond => OperationsPerSecond,
        PrimaryMetric.MegabytesPerSecond => MegabytesPerSecond,
        PrimaryMetric.BytesPerIdleConnection => HeapBytesPerConnection,
        _ => double.NaN,
    };
}
