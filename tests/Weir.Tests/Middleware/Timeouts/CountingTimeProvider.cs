using Microsoft.Extensions.Time.Testing;

namespace Weir.Tests.Middleware.Timeouts;

/// <summary>A <see cref="FakeTimeProvider"/> that counts the timers created on it.</summary>
internal sealed class CountingTimeProvider : TimeProvider
{
    private int _timersCreated;

    public FakeTimeProvider Fake { get; } = new();

    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timersCreated);
        return Fake.CreateTimer(callback, state, dueTime, period);
    }
}
