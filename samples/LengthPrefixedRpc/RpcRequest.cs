using System.Buffers;

namespace LengthPrefixedRpc;

/// <summary>
/// A call: <c>[id: u32 BE][method length: u8][method: ASCII][body]</c> inside a length-prefixed frame.
/// Read from a connection, <see cref="Body"/> is a slice of its buffer, valid until the reader advances.
/// </summary>
/// <param name="Id">The correlation id the response carries back.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Body">The argument bytes.</param>
public readonly record struct RpcRequest(uint Id, string Method, ReadOnlySequence<byte> Body);
