using System.IO.Pipelines;

namespace Weir.Protocols;

/// <summary>
/// Writes whole messages to a <see cref="PipeWriter"/> with an <see cref="IMessageWriter{TMessage}"/>, and flushes them.
/// </summary>
/// <remarks>
/// Several tasks of one connection may write at once: each message (or batch) is written and flushed whole,
/// never interleaved with another. An uncontended write that flushes synchronously allocates nothing.
/// </remarks>
public sealed class ProtocolWriter : IDisposable
{
    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _batch;
    private bool _batchUnflushed;

    /// <summary>Initializes a new instance over <paramref name="output"/>.</summary>
    /// <param name="output">Where messages go, typically <c>connection.Transport.Output</c>.</param>
    public ProtocolWriter(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes one message and flushes it.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="writer">Writes the message's bytes.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting for other writers and for the flush.</param>
    /// <returns>The flush's result: <see cref="FlushResult.IsCompleted"/> says the peer's side stopped reading.</returns>
    public ValueTask<FlushResult> WriteAsync<TMessage>(
        IMessageWriter<TMessage> writer,
        TMessage message,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!_lock.Wait(0, CancellationToken.None))
        {
            return WriteContendedAsync(writer, message, cancellationToken);
        }

        try
        {
            writer.WriteMessage(message, _output);
        }
        catch
        {
            _lock.Release();
            throw;
        }

        return FlushAndReleaseAsync(cancellationToken);
    }

    /// <summary>Writes several messages and flushes them once, so a peer receives them together.</summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <param name="writer">Writes each message's bytes.</param>
    /// <param name="messages">The messages, in order.</param>
    /// <param name="cancellationToken">Cancels waiting for other writers and for the flush.</param>
    /// <returns>The flush's result.</returns>
    public async ValueTask<FlushResult> WriteManyAsync<TMessage>(
        IMessageWriter<TMessage> writer,
        IReadOnlyList<TMessage> messages,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(messages);
        await using var batch = await BeginBatchAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < messages.Count; i++)
        {
            batch.Write(writer, messages[i]);
        }

        return await batch.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes this writer for a batch of messages of any types: no other task writes until the batch is disposed,
    /// which flushes what it holds.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for other writers, and the final flush.</param>
    /// <returns>The batch; dispose it (<c>await using</c>) to flush and let other writers in.</returns>
    public async ValueTask<ProtocolWriteBatch> BeginBatchAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        _batchUnflushed = false;
        return new ProtocolWriteBatch(this, Interlocked.Increment(ref _batch), cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    internal void WriteInBatch<TMessage>(long batch, IMessageWriter<TMessage> writer, TMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ThrowIfNotCurrent(batch);
        _batchUnflushed = true;
        writer.WriteMessage(message, _output);
    }

    internal ValueTask<FlushResult> FlushInBatchAsync(long batch, CancellationToken cancellationToken)
    {
        ThrowIfNotCurrent(batch);

        // A flush commits the bytes at once and only then waits for the reader; even if that wait is
        // canceled, the bytes are in the pipe and the end of the batch has nothing left to flush.
        _batchUnflushed = false;
        return _output.FlushAsync(cancellationToken);
    }

    internal async ValueTask EndBatchAsync(long batch, CancellationToken cancellationToken)
    {
        // A later batch number makes every copy of the finished batch inert, so only one copy releases the lock.
        if (Interlocked.CompareExchange(ref _batch, batch + 1, batch) != batch)
        {
            return;
        }

        try
        {
            if (_batchUnflushed)
            {
                _batchUnflushed = false;
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private void ThrowIfNotCurrent(long batch)
    {
        if (Volatile.Read(ref _batch) != batch)
        {
            throw new InvalidOperationException("The batch has ended; begin a new one.");
        }
    }

    private async ValueTask<FlushResult> WriteContendedAsync<TMessage>(
        IMessageWriter<TMessage> writer,
        TMessage message,
        CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            writer.WriteMessage(message, _output);
            return await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private ValueTask<FlushResult> FlushAndReleaseAsync(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = _output.FlushAsync(cancellationToken);
        }
        catch
        {
            _lock.Release();
            throw;
        }

        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            _lock.Release();
            return new ValueTask<FlushResult>(result);
        }

        return AwaitFlushAndReleaseAsync(flush);
    }

    private async ValueTask<FlushResult> AwaitFlushAndReleaseAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            return await flush.ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }
}
