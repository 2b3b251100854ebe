namespace EchoServer;

/// <summary>How many connections the echo handler is serving now.</summary>
public sealed class ConnectionCounter
{
    private long _live;

    public long Live => Interlocked.Read(ref _live);

    public void Enter() => Interlocked.Increment(ref _live);

    public void Exit() => Interlocked.Decrement(ref _live);
}
