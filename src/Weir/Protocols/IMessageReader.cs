using System.Buffers;

namespace Weir.Protocols;

/// <summary>Parses one message of type <typeparamref name="TMessage"/> out of the bytes a peer sent.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public interface IMessageReader<TMessage>
{
    /// <summary>Tries to parse one message from the start of <paramref name="input"/>.</summary>
    /// <param name="input">The unconsumed bytes received so far.</param>
    /// <param name="consumed">
    /// On entry, the start of <paramref name="input"/>. On success, set it to the end of the message: the bytes
    /// before it are released when the caller advances.
    /// </param>
    /// <param name="examined">
    /// On entry, the end of <paramref name="input"/>. On failure, leave it there (or at the last byte looked at)
    /// so the caller waits for more bytes instead of asking again with the same ones.
    /// </param>
    /// <param name="message">The message. It may be a slice of <paramref name="input"/>, valid until the caller advances.</param>
    /// <returns><see langword="true"/> if a whole message was parsed; <see langword="false"/> if more bytes are needed.</returns>
    /// <exception cref="ProtocolException">The bytes can never form a valid message.</exception>
    bool TryParseMessage(
        in ReadOnlySequence<byte> input,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out TMessage message);
}
