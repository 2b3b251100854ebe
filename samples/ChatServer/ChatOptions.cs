namespace ChatServer;

/// <summary>The chat room's limits.</summary>
public sealed class ChatOptions
{
    /// <summary>Gets how long a client may stay silent before it is dropped.</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets how many lines may wait for one client. A client whose queue is full is too slow to keep up and is
    /// disconnected, so it never holds up the others.
    /// </summary>
    /// <remarks>Defaults to 256.</remarks>
    public int SendQueueCapacity { get; init; } = 256;

    /// <summary>Gets the longest line a client may send, in bytes.</summary>
    /// <remarks>Defaults to 4 KiB.</remarks>
    public int MaximumLineLength { get; init; } = 4096;
}
