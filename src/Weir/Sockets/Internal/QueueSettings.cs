using System.IO.Pipelines;

namespace Weir.Sockets.Internal;

/// <summary>What the connections served by one <see cref="IOQueue"/> share: schedulers, pipe options, senders.</summary>
internal sealed class QueueSettings(
    PipeScheduler socketScheduler, PipeOptions inputOptions, PipeOptions outputOptions) : IDisposable
{
    public PipeScheduler SocketScheduler { get; } = socketScheduler;

    public PipeOptions InputOptions { get; } = inputOptions;

    public PipeOptions OutputOptions { get; } = outputOptions;

    public SocketSenderPool Senders { get; } = new(socketScheduler);

    public void Dispose() => Senders.Dispose();
}
