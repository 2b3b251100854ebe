using Microsoft.Win32.SafeHandles;

namespace Weir.Sockets.Internal;

/// <summary>
/// A few descriptors a listener holds while it accepts and lets go when <c>accept()</c> meets <c>EMFILE</c>, so
/// the rest of the process still finds some once connections have taken all the others: the runtime needs one
/// to start a thread (a thread pool that cannot grow ends the process), so do logging and name lookups.
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    private const int Size = 16;

    private readonly SafeFileHandle[] _handles = new SafeFileHandle[Size];
    private readonly Lock _lock = new();
    private int _held;
    private bool _disposed;

    /// <summary>Takes the reserve; <see langword="false"/>, holding none, while too few descriptors are free.</summary>
    public bool TryTake()
    {
        // Windows has no per-process descriptor table to run out of.
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return true;
            }

            try
            {
                for (; _held < Size; _held++)
                {
                    _handles[_held] = File.OpenHandle("/dev/null");
                }

                return true;
            }
            catch (IOException)
            {
                ReleaseHeld();
                return false;
            }
        }
    }

    /// <summary>Closes the reserve's descriptors, for the rest of the process to use.</summary>
    public void Release()
    {
        lock (_lock)
        {
            ReleaseHeld();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            ReleaseHeld();
        }
    }

    private void ReleaseHeld()
    {
        for (; _held > 0; _held--)
        {
            _handles[_held - 1].Dispose();
        }
    }
}
