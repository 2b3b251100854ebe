using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>
/// One event loop: a thread waiting on its own epoll instance, edge-triggered, and calling the handler of every
/// descriptor that became ready. Handlers make their non-blocking system calls, and run what waited on them,
/// right there: a message is received, handled and answered without leaving this thread.
/// </summary>
/// <remarks>
/// A registration is a slot in a table, and epoll carries the slot number. A slot freed while one of its events
/// is still in a batch can be reused, so a handler may see an event meant for the previous owner of its slot;
/// handlers treat every event as a hint and let the system call say what is true.
/// </remarks>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEventsPerWait = 256;
    private const ulong WakeToken = ulong.MaxValue;
    private const uint SocketEvents = Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup | Libc.EpollEt;

    private readonly int _index;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly Lock _lock = new();
    private IEventLoopHandler?[] _handlers = new IEventLoopHandler?[64];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private volatile bool _stopping;

    private EpollLoop(int index, int epoll, int wake, ILogger logger)
    {
        _index = index;
        _epoll = epoll;
        _wake = wake;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = $"Weir event loop {index}" };
    }

    /// <summary>Starts a loop; throws when the system refuses an epoll instance or an eventfd.</summary>
    public static EpollLoop Start(int index, ILogger logger)
    {
        var epoll = Libc.EpollCreate(Libc.EpollCloexec);
        if (epoll < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_create1 failed.");
        }

        var wake = Libc.EventFd(0, Libc.EventFdNonBlock | Libc.EventFdCloexec);
        if (wake < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.Close(epoll);
            throw new Win32Exception(errno, "eventfd failed.");
        }

        var loop = new EpollLoop(index, epoll, wake, logger);
        loop.Add(wake, Libc.EpollIn, WakeToken);
        loop._thread.UnsafeStart();
        return loop;
    }

    /// <summary>Whether the calling code runs on this loop's thread.</summary>
    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    /// <summary>Watches <paramref name="fd"/> for input, output, errors and hang-up until <see cref="Unregister"/>.</summary>
    /// <returns>The slot to unregister with.</returns>
    public int Register(int fd, IEventLoopHandler handler)
    {
        int slot;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
            if (slot == _handlers.Length)
            {
                var larger = new IEventLoopHandler?[_handlers.Length * 2];
                _handlers.CopyTo(larger, 0);
                Volatile.Write(ref _handlers, larger);
            }

            _handlers[slot] = handler;
        }

        try
        {
            Add(fd, SocketEvents, (ulong)slot);
        }
        catch
        {
            Unregister(slot);
            throw;
        }

        return slot;
    }

    /// <summary>
    /// Forgets a slot. The descriptor leaves the epoll set when it is closed; until then its events are ignored.
    /// </summary>
    public void Unregister(int slot)
    {
        lock (_lock)
        {
            if (_handlers[slot] is not null)
            {
                _handlers[slot] = null;
                _freeSlots.Push(slot);
            }
        }
    }

    /// <summary>Stops the loop; it wakes whatever still waits on it, then releases its descriptors.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            // Under the lock: a loop that stops on its own closes the eventfd only after taking it.
            _stopping = true;
            ulong one = 1;
            Libc.Write(_wake, (byte*)&one, sizeof(ulong));
        }

        if (!IsCurrentThread)
        {
            _thread.Join();
        }
    }

    private void Add(int fd, uint events, ulong data)
    {
        var epollEvent = stackalloc byte[16];
        Libc.WriteEpollEvent(epollEvent, events, data);
        if (Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, fd, epollEvent) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "epoll_ctl failed.");
        }
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEventsPerWait * Libc.EpollEventSize));
        try
        {
            while (!_stopping)
            {
                var count = Libc.EpollWait(_epoll, events, MaxEventsPerWait, -1);
                if (count < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EIntr)
                    {
                        continue;
                    }

                    WeirLog.EventLoopFailed(_logger, _index, errno);
                    break;
                }

                Dispatch(events, count);
            }
        }
        finally
        {
            NativeMemory.Free(events);
            Stop();
        }
    }

    private void Dispatch(byte* events, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var entry = events + (i * Libc.EpollEventSize);
            var data = Unsafe.ReadUnaligned<ulong>(entry + Libc.EpollDataOffset);
            if (data == WakeToken)
            {
                continue;
            }

            var handlers = Volatile.Read(ref _handlers);
            if (handlers[(int)data] is not { } handler)
            {
                continue;
            }

            try
            {
                handler.OnEvents(*(uint*)entry);
            }
            catch (Exception ex)
            {
                // What runs here is the transport's and the application's continuations: one that throws must
                // not take every other connection of the loop with it.
                WeirLog.EventLoopCallbackFailed(_logger, _index, ex);
            }
        }
    }

    private void Stop()
    {
        IEventLoopHandler?[] handlers;
        lock (_lock)
        {
            _stopping = true;
            handlers = _handlers;
            _handlers = new IEventLoopHandler?[handlers.Length];
        }

        foreach (var handler in handlers)
        {
            handler?.OnLoopStopped();
        }

        Libc.Close(_wake);
        Libc.Close(_epoll);
    }
}
