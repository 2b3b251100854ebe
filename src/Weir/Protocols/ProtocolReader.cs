using System.Buffers;
using System.IO.Pipelines;

namespace Weir.Protocols;

/// <summary>
/// Reads whole messages from a <see cref="PipeReader"/> with an <see cref="IMessageReader{TMessage}"/>.
/// </summary>
/// <remarks>
/// <para>
/// A message may be a slice of the pipe's buffer: nothing is copied, and the slice stays valid until
/// <see cref="Advance"/>, which must be called before the next read. When a whole message is already buffered,
/// <see cref="ReadAsync{TMessage}"/> completes synchronously without allocating.
/// </para>
/// <para>
/// One reader per connection, used by one task at a time, like the <see cref="PipeReader"/> it wraps.
/// </para>
/// </remarks>
public sealed class ProtocolReader
{
    private readonly PipeReader _input;
    private SequencePosition _consumed;
    private SequencePosition _examined;
    private bool _hasMessage;

    /// <summary>Initializes a new instance over <paramref name="input"/>.</summary>
    /// <param name="input">The bytes to read messages from, typically <c>connection.Transport.Input</c>.</param>
    public ProtocolReader(PipeReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
    }

    /// <summary>Reads the next message.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="reader">Parses the message.</param>
    /// <param name="maximumMessageSize">
    /// The most bytes one message may take in the input, framing included; <see langword="null"/> for no limit.
    /// A longer message throws <see cref="ProtocolException"/>. Keep it at or below the transport's read buffer
    /// limit (the input pipe's pause threshold): a message that cannot fit in the pipe can never complete.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait for bytes.</param>
    /// <returns>
    /// The message, or a result that says the input ended or the read was canceled. A canceled read that finds
    /// a whole message already buffered returns the message.
    /// </returns>
    /// <exception cref="ProtocolException">
    /// The message is too long, the parser rejected the bytes, or the input ended in the middle of a message.
    /// </exception>
    /// <exception cref="InvalidOperationException">The previous message was not released with <see cref="Advance"/>.</exception>
    public ValueTask<ProtocolReadResult<TMessage>> ReadAsync<TMessage>(
        IMessageReader<TMessage> reader,
        int? maximumMessageSize = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (_hasMessage)
        {
            throw new InvalidOperationException($"Call {nameof(Advance)} to release the previous message before reading the next.");
        }

        if (maximumMessageSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumMessageSize), maximumMessageSize, "The maximum message size must be positive.");
        }

        // The fast path: a whole message is already buffered, so no state machine and no allocation.
        if (_input.TryRead(out var readResult)
            && TryReadMessage(reader, maximumMessageSize, readResult, out var protocolResult))
        {
            return new ValueTask<ProtocolReadResult<TMessage>>(protocolResult);
        }

        return ReadSlowAsync(reader, maximumMessageSize, cancellationToken);
    }

    /// <summary>Releases the last message read: its bytes go back to the pipe and the message must not be used again.</summary>
    public void Advance()
    {
        if (!_hasMessage)
        {
            return;
        }

        _hasMessage = false;
        _input.AdvanceTo(_consumed, _examined);
    }

    private async ValueTask<ProtocolReadResult<TMessage>> ReadSlowAsync<TMessage>(
        IMessageReader<TMessage> reader,
        int? maximumMessageSize,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var readResult = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (TryReadMessage(reader, maximumMessageSize, readResult, out var protocolResult))
            {
                return protocolResult;
            }
        }
    }

    /// <summary>
    /// Parses one message out of <paramref name="readResult"/>. On <see langword="false"/> the buffer has been
    /// handed back to the pipe and the caller must wait for more bytes.
    /// </summary>
    private bool TryReadMessage<TMessage>(
        IMessageReader<TMessage> reader,
        int? maximumMessageSize,
        in ReadResult readResult,
        out ProtocolReadResult<TMessage> result)
    {
        var buffer = readResult.Buffer;
        var input = maximumMessageSize is int limit && buffer.Length > limit ? buffer.Slice(0, limit) : buffer;
        var consumed = input.Start;
        var examined = input.End;

        var parsed = false;
        TMessage message = default!;
        try
        {
            parsed = !input.IsEmpty && reader.TryParseMessage(input, ref consumed, ref examined, out message);
        }
        catch
        {
            _input.AdvanceTo(buffer.Start);
            throw;
        }

        if (parsed)
        {
            // The next parse starts where this message ended; examining beyond it now would let the pipe see
            // the examined position move backwards then.
            _consumed = consumed;
            _examined = consumed;
            _hasMessage = true;
            result = new ProtocolReadResult<TMessage>(message, isCanceled: false, isCompleted: false);
            return true;
        }

        if (input.Length < buffer.Length)
        {
            _input.AdvanceTo(buffer.Start);
            throw new ProtocolException($"The message is larger than the maximum message size of {maximumMessageSize} bytes.");
        }

        _input.AdvanceTo(consumed, examined);

        if (readResult.IsCanceled)
        {
            result = new ProtocolReadResult<TMessage>(default!, isCanceled: true, isCompleted: false);
            return true;
        }

        if (readResult.IsCompleted)
        {
            var left = buffer.Slice(consumed).Length;
            if (left > 0)
            {
                throw new ProtocolException($"The input ended in the middle of a message: {left} bytes of an incomplete message were received.");
            }

            result = new ProtocolReadResult<TMessage>(default!, isCanceled: false, isCompleted: true);
            return true;
        }

        result = default;
        return false;
    }
}
