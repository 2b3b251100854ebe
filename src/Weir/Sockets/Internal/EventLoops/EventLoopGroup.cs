using Microsoft.Extensions.Logging;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>A transport's event loops, started on the first connection and handed out in turn.</summary>
internal sealed class EventLoopGroup(int count, ILogger logger) : IDisposable
{
    private static readonly Lazy<bool> Supported = new(Probe);

    private readonly Lock _lock = new();
    private EpollLoop[]? _loops;
    private int _next = -1;
    private bool _disposed;

    /// <summary>Whether this process can run event loops: Linux, with a glibc-compatible <c>libc.so.6</c>.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Supported.Value;

    public EpollLoop Next()
    {
        var loops = Volatile.Read(ref _loops) ?? Start();
        return loops[(uint)Interlocked.Increment(ref _next) % (uint)loops.Length];
    }

    public void Dispose()
    {
        EpollLoop[]? loops;
        lock (_lock)
        {
            _disposed = true;
            loops = _loops;
        }

        foreach (var loop in loops ?? [])
        {
            loop.Dispose();
        }
    }

    private EpollLoop[] Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loops is { } started)
            {
                return started;
            }

            var loops = new EpollLoop[count];
            for (var i = 0; i < count; i++)
            {
                loops[i] = EpollLoop.Start(i, logger);
            }

            Volatile.Write(ref _loops, loops);
            return loops;
        }
    }

    private static bool Probe()
    {
        try
        {
            var epoll = Libc.EpollCreate(Libc.EpollCloexec);
            if (epoll < 0)
            {
                return false;
            }

            Libc.Close(epoll);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
