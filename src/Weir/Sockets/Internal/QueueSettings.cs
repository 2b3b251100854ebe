using System.IO.Pipelines;

namespace Weir.Sockets.Internal;

/// <summary>What the connections served by one <see cref="IOQueue"/> share: schedulers, buffer limits, senders.</summary>
internal sealed class QueueSettings(
    PipeScheduler socketScheduler, PipeOptions inputOptions, OutputSettings output) : IDisposable
{
    public PipeScheduler SocketScheduler { get; } = socketScheduler;

    public PipeOptions InputOptions { get; } = inputOptions;

    public OutputSettings Output { get; } = output;

    public SocketSenderPool Senders { get; } = new(socketScheduler);

    public void Dispose() => Senders.Dispose();
}
