namespace LengthPrefixedRpc;

/// <summary>How a call ended, the byte after a response's correlation id.</summary>
public enum RpcStatus : byte
{
    /// <summary>The method ran; the body is its result.</summary>
    Ok = 0,

    /// <summary>The method failed; the body is the error message in UTF-8.</summary>
    Error = 1,

    /// <summary>No method has that name; the body is the error message in UTF-8.</summary>
    UnknownMethod = 2,
}
