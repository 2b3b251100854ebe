namespace Weir.Sockets;

/// <summary>Options of the <see cref="SocketTransport"/>.</summary>
public sealed class SocketTransportOptions
{
    /// <summary>Gets or sets the length of the queue of connections the kernel has accepted and the listener has not.</summary>
    /// <remarks>Defaults to 512. Passed to <c>listen()</c>; the kernel caps it at <c>net.core.somaxconn</c>.</remarks>
    public int Backlog { get; set; } = 512;

    /// <summary>Gets or sets whether Nagle's algorithm is off (<c>TCP_NODELAY</c>) on TCP connections.</summary>
    /// <remarks>Defaults to <see langword="true"/>: small messages leave at once instead of waiting to be coalesced.</remarks>
    public bool NoDelay { get; set; } = true;

    /// <summary>Gets or sets whether TCP keep-alive probes are sent on idle connections.</summary>
    /// <remarks>Defaults to <see langword="false"/>; the kernel's probe timing applies when on.</remarks>
    public bool KeepAlive { get; set; }

    /// <summary>
    /// Gets or sets whether TCP listening sockets set <c>SO_REUSEPORT</c> (Linux), so other listeners and other
    /// processes of the same user can bind the same port and the kernel spreads new connections over all of them
    /// (several server processes on one port, or a new process started beside an old one that drains).
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="false"/>: a second bind of a port in use fails, which is the safer error. With it
    /// on, a second server started by mistake on the same port succeeds silently and takes a share of the
    /// connections. Fails at bind on other systems. Unix domain socket endpoints ignore it.
    /// </remarks>
    public bool ReusePort { get; set; }

    /// <summary>
    /// Gets or sets how many listening sockets one bind of a TCP endpoint opens, each with <c>SO_REUSEPORT</c>
    /// (Linux) and its own accept loop; the kernel hashes new connections over them, and the one listener the
    /// caller sees delivers them all.
    /// </summary>
    /// <remarks>
    /// Defaults to 1: one socket, one accept loop, no <c>SO_REUSEPORT</c> unless <see cref="ReusePort"/> asks.
    /// More than one helps when a single accept loop cannot keep up with the connection rate; it costs a socket,
    /// a kernel accept queue and up to one accepted, not yet delivered connection per extra loop. The sockets use
    /// <c>SO_REUSEPORT</c>, so another process of the same user with it set can join the port too. A value below 1
    /// fails at bind, as does a value above 1 on systems other than Linux. Unix domain socket endpoints always get
    /// one socket.
    /// </remarks>
    public int AcceptSocketCount { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many I/O queues the transport schedules its work on (backpressure resumption, and socket
    /// completions where the platform delivers them on I/O threads); 0 schedules on the thread pool directly.
    /// </summary>
    /// <remarks>
    /// Defaults to the processor count, at most 16. Used only without event loops (see <see cref="EventLoopCount"/>).
    /// </remarks>
    public int IOQueueCount { get; set; } = Math.Min(Environment.ProcessorCount, 16);

    /// <summary>
    /// Gets or sets whether an idle connection waits for data before it rents a buffer, so a million idle
    /// connections hold no buffer memory.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="true"/>. On an event loop the wait is the socket's readable edge and costs no
    /// system call; on the runtime's engine it is a zero-byte receive, skipped while data keeps coming (the last
    /// read filled its buffer), so a busy stream pays one system call per read, not two.
    /// </remarks>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;

    /// <summary>
    /// Gets or sets how many received bytes the application may leave unread before the transport stops reading
    /// the socket (it reads again once less than half remains); <see langword="null"/> or 0 is unlimited.
    /// </summary>
    /// <remarks>Defaults to 1 MiB. Unlimited buffering lets a fast peer make the process hold any amount of memory.</remarks>
    public long? MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets how many bytes may wait to be sent before the application's <c>FlushAsync</c> waits (it
    /// completes again once less than half remains); <see langword="null"/> or 0 is unlimited.
    /// </summary>
    /// <remarks>Defaults to 64 KiB. Unlimited buffering lets a slow peer make the process hold any amount of memory.</remarks>
    public long? MaxWriteBufferSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Gets or sets how long disposing a connection waits, after its last bytes and FIN have gone out, for a peer
    /// that is still sending to finish, reading and discarding what it sends meanwhile (a lingering close).
    /// </summary>
    /// <remarks>
    /// Defaults to 5 seconds. Closing a socket with unread input makes the kernel answer with RST, and RST makes
    /// the peer's kernel drop the tail of the response it has not read yet: a pipelining client would lose part
    /// of the last response. A peer that is not sending is closed at once, without waiting.
    /// <see cref="TimeSpan.Zero"/> never waits.
    /// </remarks>
    public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how many event loops serve the transport's connections on Linux: threads that each wait on
    /// their own edge-triggered epoll instance and make their connections' non-blocking reads and writes
    /// themselves. 0 leaves connections to the runtime's socket engine (<c>SocketAsyncEventArgs</c>), which is
    /// what other systems (and Linux without glibc's <c>libc.so.6</c>) always use.
    /// </summary>
    /// <remarks>
    /// Defaults to the number of processors the process may run on, at most 16. The loops start with the first
    /// connection or listener and stop when the transport is disposed; listeners accept on them too. A loop
    /// serves its connections alone, so on a machine whose cores other busy processes share (a load generator
    /// beside the server, say) fewer loops than cores keep each loop on a core of its own: on two cores with a
    /// client beside it, one loop answered half again as many small messages as two (bench/README.md). A
    /// negative value fails when the transport is made.
    /// </remarks>
    public int EventLoopCount { get; set; } = Math.Min(Environment.ProcessorCount, 16);

    /// <summary>
    /// Gets or sets whether, on an event loop, the application's continuations (a read that waited for data, a
    /// flush that waited for the peer) run on the loop's own thread, as in Netty: a message is received, handled
    /// and answered without a thread hand-off.
    /// </summary>
    /// <remarks>
    /// Defaults to <see langword="true"/>. A handler that blocks (a synchronous wait, a lock held across slow
    /// work, heavy computation) then stalls every connection of its loop: await instead, or set this to
    /// <see langword="false"/> to run the application on the thread pool at one thread hand-off per message
    /// (about two thirds of the small-message rate on one core, see bench/README.md). Without event loops it has
    /// no effect, and <see cref="UnsafePreferInlineScheduling"/> decides.
    /// </remarks>
    public bool RunApplicationOnEventLoop { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the application's continuations run inline on the thread that completed the socket
    /// operation, instead of being dispatched to the thread pool.
    /// </summary>
    /// <remarks>
    /// Applies without event loops (<see cref="EventLoopCount"/> 0, or a system other than Linux); on an event
    /// loop, <see cref="RunApplicationOnEventLoop"/> decides. Defaults to <see langword="false"/>. Inline saves a thread hop per message, but application code that
    /// blocks then stalls the socket loops of its connection; only turn it on for handlers that never block.
    /// On Linux the runtime queues socket completions to the thread pool unless the process is started with
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>; with both, a message is received, handled and
    /// answered on the socket engine's own thread (about 1.5 times the small-message rate of the default on one
    /// core, see bench/README.md), and a handler that blocks stalls every connection that thread serves.
    /// </remarks>
    public bool UnsafePreferInlineScheduling { get; set; }
}
