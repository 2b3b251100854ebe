using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Weir.Sockets.Internal;

/// <summary>
/// A bounded pool of <see cref="SocketSender"/>s shared by the connections of one scheduler: a connection holds a
/// sender only while a send is in flight, so idle connections cost no event args.
/// </summary>
internal sealed class SocketSenderPool : IDisposable
{
    private const int MaxPooled = 1024;

    private readonly ConcurrentQueue<SocketSender> _senders = new();
    private int _count;
    private bool _disposed;

    public SocketSenderPool(PipeScheduler scheduler)
    {
        Scheduler = scheduler;
    }

    public PipeScheduler Scheduler { get; }

    public SocketSender Rent()
    {
        if (_senders.TryDequeue(out var sender))
        {
            Interlocked.Decrement(ref _count);
            return sender;
        }

        return new SocketSender(Scheduler);
    }

    public void Return(SocketSender sender)
    {
        if (Volatile.Read(ref _disposed))
        {
            sender.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _count) > MaxPooled)
        {
            Interlocked.Decrement(ref _count);
            sender.Dispose();
            return;
        }

        sender.Reset();
        _senders.Enqueue(sender);
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_senders.TryDequeue(out var sender))
        {
            sender.Dispose();
        }
    }
}
