namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>Hang guards: generous bounds that turn a hang into a failure, never a timing assertion.</summary>
internal static class Guard
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static Task Within(this Task task, TimeSpan? limit = null) => task.WaitAsync(limit ?? Step, Token);

    public static Task<T> Within<T>(this Task<T> task, TimeSpan? limit = null) => task.WaitAsync(limit ?? Step, Token);

    public static Task Within(this ValueTask task, TimeSpan? limit = null) => task.AsTask().Within(limit);

    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? limit = null) => task.AsTask().Within(limit);

    /// <summary>Waits for a condition that no event announces (a count the runtime lowers in the background).</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Step);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Gave up waiting: {describe()}");
            }

            await Task.Delay(20, Token);
        }
    }
}
