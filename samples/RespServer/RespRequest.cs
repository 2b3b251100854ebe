using System.Buffers;

namespace RespServer;

/// <summary>
/// One request: the command name and its arguments, each a slice of the connection's input buffer, valid
/// until the reader advances past the request.
/// </summary>
public readonly struct RespRequest : IEquatable<RespRequest>
{
    private readonly ReadOnlySequence<byte>[]? _arguments;

    internal RespRequest(ReadOnlySequence<byte>[] arguments, int count)
    {
        _arguments = arguments;
        Count = count;
    }

    /// <summary>Gets the number of arguments, command name included; 0 for an empty request.</summary>
    public int Count { get; }

    /// <summary>Gets one argument; index 0 is the command name.</summary>
    /// <param name="index">The argument's index.</param>
    public ReadOnlySequence<byte> this[int index] =>
        (uint)index < (uint)Count ? _arguments![index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <inheritdoc />
    public bool Equals(RespRequest other) => ReferenceEquals(_arguments, other._arguments) && Count == other.Count;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RespRequest other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_arguments, Count);

    /// <summary>Compares two requests.</summary>
    /// <param name="left">One request.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether both are the same request.</returns>
    public static bool operator ==(RespRequest left, RespRequest right) => left.Equals(right);

    /// <summary>Compares two requests.</summary>
    /// <param name="left">One request.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are different requests.</returns>
    public static bool operator !=(RespRequest left, RespRequest right) => !left.Equals(right);
}
