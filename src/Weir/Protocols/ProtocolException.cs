namespace Weir.Protocols;

/// <summary>
/// The bytes on a connection broke its protocol: a malformed header, a message over the size limit, or a peer
/// that closed in the middle of a message. The connection cannot go on; other connections are not affected.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Initializes a new instance with a generic message.</summary>
    public ProtocolException()
        : base("The peer broke the protocol.")
    {
    }

    /// <summary>Initializes a new instance with a message that says what was wrong.</summary>
    /// <param name="message">What was wrong with the bytes.</param>
    public ProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the error that caused it.</summary>
    /// <param name="message">What was wrong with the bytes.</param>
    /// <param name="innerException">The error that caused this one.</param>
    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
