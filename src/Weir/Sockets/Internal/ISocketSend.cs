namespace Weir.Sockets.Internal;

/// <summary>The buffers of one send, and its outcome once it has completed.</summary>
internal interface ISocketSend
{
    /// <summary>How many buffers the send holds.</summary>
    int BufferCount { get; }

    /// <summary>Adds a buffer; more than one must be array-backed, as pool blocks are.</summary>
    void Add(ReadOnlyMemory<byte> buffer);

    /// <summary>The outcome, for a caller that was called back rather than awaiting.</summary>
    SocketOperationResult CurrentResult();
}
