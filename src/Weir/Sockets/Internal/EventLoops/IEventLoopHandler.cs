namespace Weir.Sockets.Internal.EventLoops;

/// <summary>What an <see cref="EpollLoop"/> calls for a registered descriptor, always on the loop's thread.</summary>
internal interface IEventLoopHandler
{
    /// <summary>The descriptor is ready: <paramref name="events"/> is epoll's mask (in, out, error, hang-up).</summary>
    void OnEvents(uint events);

    /// <summary>The loop has stopped and will report nothing more: whoever waits on it must be woken.</summary>
    void OnLoopStopped();
}
