namespace Weir.Sockets.Internal;

/// <summary>How a connection's <see cref="SocketOutput"/> holds back a writer that outpaces the peer.</summary>
/// <param name="PauseThreshold">Unsent bytes at which a flush waits; 0 never waits.</param>
/// <param name="ResumeThreshold">Unsent bytes below which a waiting flush completes.</param>
/// <param name="InlineFlushContinuations">Whether a flush that waited continues on the thread that sent, not the thread pool.</param>
internal readonly record struct OutputSettings(long PauseThreshold, long ResumeThreshold, bool InlineFlushContinuations);
