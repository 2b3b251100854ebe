using System.IO.Pipelines;

namespace Weir.Protocols;

/// <summary>
/// Messages written together under a <see cref="ProtocolWriter"/>'s lock and flushed once. Dispose it to flush
/// and let other writers in; it cannot be used after that.
/// </summary>
public readonly struct ProtocolWriteBatch : IAsyncDisposable, IEquatable<ProtocolWriteBatch>
{
    private readonly ProtocolWriter? _owner;
    private readonly long _id;
    private readonly CancellationToken _cancellationToken;

    internal ProtocolWriteBatch(ProtocolWriter owner, long id, CancellationToken cancellationToken)
    {
        _owner = owner;
        _id = id;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Writes one message into the batch, without flushing.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="writer">Writes the message's bytes.</param>
    /// <param name="message">The message.</param>
    /// <exception cref="InvalidOperationException">The batch has ended.</exception>
    public void Write<TMessage>(IMessageWriter<TMessage> writer, TMessage message) =>
        Owner.WriteInBatch(_id, writer, message);

    /// <summary>Flushes what the batch holds so far, keeping the batch open.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>The flush's result.</returns>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        Owner.FlushInBatchAsync(_id, cancellationToken);

    /// <summary>
    /// Flushes what the batch holds since its last flush, with the token the batch was begun with, and ends it,
    /// letting other writers in.
    /// </summary>
    /// <returns>A task that completes when the bytes are flushed.</returns>
    public ValueTask DisposeAsync() => _owner?.EndBatchAsync(_id, _cancellationToken) ?? default;

    /// <inheritdoc />
    public bool Equals(ProtocolWriteBatch other) => ReferenceEquals(_owner, other._owner) && _id == other._id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ProtocolWriteBatch other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_owner, _id);

    /// <summary>Compares two batches.</summary>
    /// <param name="left">One batch.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether both are the same batch.</returns>
    public static bool operator ==(ProtocolWriteBatch left, ProtocolWriteBatch right) => left.Equals(right);

    /// <summary>Compares two batches.</summary>
    /// <param name="left">One batch.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are different batches.</returns>
    public static bool operator !=(ProtocolWriteBatch left, ProtocolWriteBatch right) => !left.Equals(right);

    private ProtocolWriter Owner => _owner ?? throw new InvalidOperationException("The batch was not begun by a ProtocolWriter.");
}
