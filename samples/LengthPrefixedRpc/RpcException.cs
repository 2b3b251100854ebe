namespace LengthPrefixedRpc;

/// <summary>A call failed on the server, or the connection ended before its answer came.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public RpcException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public RpcException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets how the call ended, when the server answered.</summary>
    public RpcStatus? Status { get; init; }
}
