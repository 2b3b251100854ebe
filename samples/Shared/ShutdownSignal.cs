using System.Runtime.InteropServices;

namespace Weir.Samples;

/// <summary>Ctrl+C (SIGINT) or SIGTERM, as a task; the process does not end on its own when one arrives.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ShutdownSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <summary>Gets a task that completes when the first signal arrives.</summary>
    public Task Received => _received.Task;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // Stop gracefully instead of letting the runtime end the process.
        context.Cancel = true;
        _received.TrySetResult();
    }
}
