using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Weir.Sockets.Internal;

/// <summary>
/// A few descriptors a listener holds while it accepts and lets go when <c>accept()</c> meets <c>EMFILE</c>, so
/// the rest of the process still finds some once connections have taken all the others: the runtime needs one
/// to start a thread (a thread pool that cannot grow ends the process), so do logging and name lookups.
/// </summary>
internal sealed partial class DescriptorReserve : IDisposable
{
    private const int Size = 16;

    private readonly SafeFileHandle[] _handles = new SafeFileHandle[Size];
    private readonly Lock _lock = new();
    private int _held;
    private bool _disposed;

    /// <summary>
    /// Takes the reserve unless it is held; <see langword="false"/>, holding none, while fewer descriptors than the
    /// reserve and one more are free, so taking it back never leaves the process without a spare one.
    /// </summary>
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

            if (_held == Size)
            {
                return true;
            }

            try
            {
                for (; _held < Size; _held++)
                {
                    _handles[_held] = File.OpenHandle("/dev/null");
                }

                File.OpenHandle("/dev/null").Dispose();
                return true;
            }
            catch (IOException)
            {
                ReleaseHeld();
                return false;
            }
        }
    }

    /// <summary>
    /// Checks that a descriptor is still free; if not, lets the reserve go, so the process keeps some while the
    /// caller waits to take it back.
    /// </summary>
    /// <returns><see langword="true"/> if none was free and the reserve was let go.</returns>
    public bool ReleaseIfExhausted()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (DescriptorIsFree())
        {
            return false;
        }

        Release();
        return true;
    }

    // Runs once per accepted connection, so it is two system calls on a descriptor the reserve already holds
    // (dup, close) rather than opening a file, which costs more calls and an allocation.
    private bool DescriptorIsFree()
    {
        lock (_lock)
        {
            if (_held == 0)
            {
                return true;
            }

            var copy = Dup((int)_handles[0].DangerousGetHandle());
            if (copy < 0)
            {
                return false;
            }

            _ = Close(copy);
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

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
