namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>A countdown to await: completes when it has been signalled <c>count</c> times.</summary>
internal sealed class AsyncCountdown(int count)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _left = count;

    public Task Task => _done.Task;

    public int Left => Volatile.Read(ref _left);

    public void Signal()
    {
        if (Interlocked.Decrement(ref _left) == 0)
        {
            _done.TrySetResult();
        }
    }
}
