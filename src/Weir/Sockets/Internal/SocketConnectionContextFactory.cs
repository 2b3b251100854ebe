using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Weir.Buffers;

namespace Weir.Sockets.Internal;

/// <summary>Turns connected sockets into <see cref="SocketConnection"/>s, spreading them over the I/O queues.</summary>
/// <remarks>
/// <para>Scheduling, chosen to keep thread hops off the small-message path:</para>
/// <list type="bullet">
/// <item>socket completions continue inline where the runtime already completes them on the thread pool (Linux,
/// macOS), and on an <see cref="IOQueue"/> elsewhere;</item>
/// <item>the application reads input on the thread pool (one hop per message), or inline when unsafe inline
/// scheduling is chosen (none);</item>
/// <item>the send loop runs inline on the thread that flushed the output: the application's own thread issues the
/// non-blocking send, as a C server would, instead of handing it to another thread;</item>
/// <item>the receive loop resumes after backpressure on its I/O queue.</item>
/// </list>
/// </remarks>
internal sealed class SocketConnectionContextFactory : IDisposable
{
    private readonly QueueSettings[] _queues;
    private readonly PinnedBlockMemoryPool _pool;
    private readonly SocketTransportOptions _options;
    private readonly ILogger _logger;
    private int _nextQueue = -1;

    public SocketConnectionContextFactory(SocketTransportOptions options, PinnedBlockMemoryPool pool, ILogger logger)
    {
        _options = options;
        _pool = pool;
        _logger = logger;

        var inline = options.UnsafePreferInlineScheduling;
        _queues = inline || options.IOQueueCount == 0
            ? [CreateQueue(inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool)]
            : [.. Enumerable.Range(0, options.IOQueueCount).Select(_ => CreateQueue(new IOQueue()))];
    }

    public SocketConnection Create(Socket socket)
    {
        var queue = _queues[(uint)Interlocked.Increment(ref _nextQueue) % (uint)_queues.Length];
        return new SocketConnection(
            socket, queue, _options.WaitForDataBeforeAllocatingBuffer, _options.LingerTimeout, _logger);
    }

    public void Dispose()
    {
        foreach (var queue in _queues)
        {
            queue.Dispose();
        }
    }

    private QueueSettings CreateQueue(PipeScheduler transportScheduler)
    {
        var inline = _options.UnsafePreferInlineScheduling;
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
