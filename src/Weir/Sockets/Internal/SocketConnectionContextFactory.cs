using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Weir.Buffers;
using Weir.Sockets.Internal.EventLoops;

namespace Weir.Sockets.Internal;

/// <summary>Turns connected sockets into <see cref="SocketConnection"/>s, spreading them over event loops or I/O queues.</summary>
/// <remarks>
/// <para>On Linux, by default, each connection is served by one of the transport's event loops
/// (<see cref="EventLoopGroup"/>): the loop makes the connection's system calls and runs what waited on them,
/// the application included unless <see cref="SocketTransportOptions.RunApplicationOnEventLoop"/> is off. A
/// message then costs no thread hand-off at all.</para>
/// <para>Without event loops (other systems, or <see cref="SocketTransportOptions.EventLoopCount"/> 0) the
/// runtime's socket engine does the I/O, and scheduling keeps thread hops off the small-message path:</para>
/// <list type="bullet">
/// <item>socket completions continue inline where the runtime already completes them on the thread pool (Linux,
/// macOS), and on an <see cref="IOQueue"/> elsewhere;</item>
/// <item>the application reads input on the thread pool (one hop per message), or inline when unsafe inline
/// scheduling is chosen (none);</item>
/// <item>the receive loop resumes after backpressure on its I/O queue.</item>
/// </list>
/// <para>Either way the application's own thread makes the non-blocking send when it flushes, as a C server
/// would, instead of handing it to another thread.</para>
/// </remarks>
internal sealed class SocketConnectionContextFactory : IDisposable
{
    private readonly QueueSettings[] _queues;
    private readonly PinnedBlockMemoryPool _pool;
    private readonly SocketTransportOptions _options;
    private readonly ILogger _logger;
    private readonly EventLoopGroup? _loops;
    private int _nextQueue = -1;

    public SocketConnectionContextFactory(SocketTransportOptions options, PinnedBlockMemoryPool pool, ILogger logger)
    {
        _options = options;
        _pool = pool;
        _logger = logger;

        if (options.EventLoopCount > 0 && EventLoopGroup.IsSupported)
        {
            _loops = new EventLoopGroup(options.EventLoopCount, logger);
            _queues = [CreateQueue(PipeScheduler.Inline, options.RunApplicationOnEventLoop)];
            return;
        }

        var inline = options.UnsafePreferInlineScheduling;
        _queues = inline || options.IOQueueCount == 0
            ? [CreateQueue(inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool, inline)]
            : [.. Enumerable.Range(0, options.IOQueueCount).Select(_ => CreateQueue(new IOQueue(), inline: false))];
    }

    public SocketConnection Create(Socket socket)
    {
        var queue = _queues[(uint)Interlocked.Increment(ref _nextQueue) % (uint)_queues.Length];
        ISocketChannel? channel = null;
        try
        {
            channel = _loops is null ? new RuntimeSocketChannel(socket, queue) : new EpollSocket(socket, _loops.Next());
            return new SocketConnection(
                socket, channel, queue, _options.WaitForDataBeforeAllocatingBuffer, _options.LingerTimeout, _logger);
        }
        catch
        {
            // A loop that stopped with the transport refuses registrations: the socket must not outlive the failure.
            socket.Dispose();
            channel?.OnSocketClosed();
            throw;
        }
    }

    /// <summary>A listener's accept: on an event loop when connections use them, else the runtime's.</summary>
    public IAcceptOperation CreateAcceptOperation() =>
        _loops is null ? new SocketAcceptArgs() : new EpollAccept(_loops.Next());

    public void Dispose()
    {
        _loops?.Dispose();
        foreach (var queue in _queues)
        {
            queue.Dispose();
        }
    }

    private QueueSettings CreateQueue(PipeScheduler transportScheduler, bool inline)
    {
        var socketScheduler = inline || !OperatingSystem.IsWindows() ? PipeScheduler.Inline : transportScheduler;
        var (pauseRead, resumeRead) = Thresholds(_options.MaxReadBufferSize);
        var (pauseWrite, resumeWrite) = Thresholds(_options.MaxWriteBufferSize);

        return new QueueSettings(
            socketScheduler,
            _pool,
            new BufferLimits(pauseRead, resumeRead, InlineContinuations: inline),
            new BufferLimits(pauseWrite, resumeWrite, InlineContinuations: inline));
    }

    private static (long Pause, long Resume) Thresholds(long? max) =>
        max is > 0 and long limit ? (limit, Math.Max(1, limit / 2)) : (0, 0);
}
