namespace Weir.Sockets.Internal.EventLoops;

/// <summary>
/// One direction of an edge-triggered descriptor: whether it may be ready, and whether an operation waits for it.
/// The loop thread signals; the operation's thread resets before each system call and arms after one that would
/// block. Whoever moves the state out of <see cref="Waiting"/> owns the wake-up of the waiting operation.
/// </summary>
internal struct Readiness
{
    private const int NotReady = 0;
    private const int Ready = 1;
    private const int Waiting = 2;
    private const int Closed = 3;

    // The peer hung up or the socket failed: there is no edge after this one, and every call now returns at once
    // (end of stream, or the error), so the direction stays ready for good.
    private const int Final = 4;

    private int _state;

    public enum ArmResult
    {
        /// <summary>The operation waits; the next signal (or close) wakes it.</summary>
        Armed,

        /// <summary>An event came since the last reset: try the system call again.</summary>
        WasReady,

        /// <summary>The descriptor is closed: the operation is aborted.</summary>
        Closed,
    }

    public readonly bool IsReady => Volatile.Read(in _state) is Ready or Final;

    /// <summary>Before a system call: an event from now on means there may be more.</summary>
    public void Reset() => Interlocked.CompareExchange(ref _state, NotReady, Ready);

    /// <summary>After a call that would block: wait, unless an event came meanwhile.</summary>
    public ArmResult Arm()
    {
        var previous = Interlocked.CompareExchange(ref _state, Waiting, NotReady);
        switch (previous)
        {
            case NotReady:
                return ArmResult.Armed;
            case Closed:
                return ArmResult.Closed;
            case Final:
                return ArmResult.WasReady;
            default:
                Interlocked.CompareExchange(ref _state, NotReady, Ready);
                return ArmResult.WasReady;
        }
    }

    /// <summary>
    /// An event (<paramref name="final"/> for a hang-up or an error): true when an operation was waiting, and the
    /// caller must now run it.
    /// </summary>
    public bool Signal(bool final)
    {
        while (true)
        {
            var state = Volatile.Read(in _state);
            switch (state)
            {
                case Waiting when Interlocked.CompareExchange(ref _state, final ? Final : NotReady, Waiting) == Waiting:
                    return true;
                case NotReady when Interlocked.CompareExchange(ref _state, final ? Final : Ready, NotReady) == NotReady:
                    return false;
                case Ready when final && Interlocked.CompareExchange(ref _state, Final, Ready) == Ready:
                    return false;
                case Ready when !final:
                case Final or Closed:
                    return false;
            }
        }
    }

    /// <summary>The descriptor is closing: true when an operation was waiting, and the caller must abort it.</summary>
    public bool Close() => Interlocked.Exchange(ref _state, Closed) == Waiting;
}
