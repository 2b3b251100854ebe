using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Weir.Sockets.Internal;

/// <summary>
/// A <see cref="PipeScheduler"/> that runs its work items in order on one thread-pool work item at a time,
/// so a burst of completions costs one thread-pool dispatch instead of one each.
/// </summary>
internal sealed class IOQueue : PipeScheduler, IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<Work> _work = new();
    private int _doingWork;

    public override void Schedule(Action<object?> action, object? state)
    {
        _work.Enqueue(new Work(action, state));

        // Only the scheduler that flips the flag queues the drain; others ride on it.
        if (Interlocked.CompareExchange(ref _doingWork, 1, 0) == 0)
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            while (_work.TryDequeue(out var item))
            {
                item.Callback(item.State);
            }

            Volatile.Write(ref _doingWork, 0);

            // An item queued after the last dequeue but before the flag dropped would otherwise wait forever.
            if (_work.IsEmpty || Interlocked.CompareExchange(ref _doingWork, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private readonly record struct Work(Action<object?> Callback, object? State);
}
