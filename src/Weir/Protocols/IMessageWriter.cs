using System.Buffers;

namespace Weir.Protocols;

/// <summary>Writes one message of type <typeparamref name="TMessage"/> as the bytes a peer expects.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public interface IMessageWriter<in TMessage>
{
    /// <summary>Writes <paramref name="message"/>, framing included, to <paramref name="output"/>.</summary>
    /// <remarks>
    /// Check everything that can fail before writing the first byte: bytes already written cannot be taken back,
    /// and the next flush would send them as a torn message.
    /// </remarks>
    /// <param name="message">The message to write.</param>
    /// <param name="output">Where the bytes go; the caller flushes.</param>
    void WriteMessage(TMessage message, IBufferWriter<byte> output);
}
