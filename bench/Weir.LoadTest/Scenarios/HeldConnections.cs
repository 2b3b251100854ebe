namespace Weir.LoadTest.Scenarios;

/// <summary>Idle connections someone holds open (this process or the native client), closed on dispose.</summary>
internal sealed class HeldConnections(long open, long errors, long mismatches, Func<ValueTask> close) : IAsyncDisposable
{
    /// <summary>Connections that were accepted and echoed their probe, and are still open.</summary>
    public long Open { get; } = open;

    public long Errors { get; } = errors;

    public long Mismatches { get; } = mismatches;

    public ValueTask DisposeAsync() => close();
}
