using System.Buffers;

namespace LengthPrefixedRpc;

/// <summary>
/// An answer: <c>[id: u32 BE][status: u8][body]</c> inside a length-prefixed frame.
/// Read from a connection, <see cref="Body"/> is a slice of its buffer, valid until the reader advances.
/// </summary>
/// <param name="Id">The correlation id of the request answered.</param>
/// <param name="Status">How the call ended.</param>
/// <param name="Body">The result, or the error message.</param>
public readonly record struct RpcResponse(uint Id, RpcStatus Status, ReadOnlySequence<byte> Body);
