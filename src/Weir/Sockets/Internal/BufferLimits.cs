namespace Weir.Sockets.Internal;

/// <summary>How one direction of a connection holds back a side that outpaces the other.</summary>
/// <param name="PauseThreshold">Unread or unsent bytes at which the producing side waits; 0 never waits.</param>
/// <param name="ResumeThreshold">Bytes below which a waiting producer goes on.</param>
/// <param name="InlineContinuations">
/// Whether the application's continuations (a read that waited for data, a flush that waited for the peer) run on
/// the thread that woke them, not on the thread pool.
/// </param>
internal readonly record struct BufferLimits(long PauseThreshold, long ResumeThreshold, bool InlineContinuations);
