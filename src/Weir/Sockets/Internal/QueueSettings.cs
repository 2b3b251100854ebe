using System.IO.Pipelines;
using Weir.Buffers;

namespace Weir.Sockets.Internal;

/// <summary>What the connections served by one <see cref="IOQueue"/> share: the pool, schedulers, buffer limits, senders.</summary>
internal sealed class QueueSettings(
    PipeScheduler socketScheduler, PinnedBlockMemoryPool pool, BufferLimits input, BufferLimits output) : IDisposable
{
    public PipeScheduler SocketScheduler { get; } = socketScheduler;

    public PinnedBlockMemoryPool Pool { get; } = pool;

    public BufferLimits Input { get; } = input;

    public BufferLimits Output { get; } = output;

    public SocketSenderPool Senders { get; } = new(socketScheduler);

    public void Dispose() => Senders.Dispose();
}
