using System.Buffers;
using System.IO.Pipelines;

namespace Weir.Middleware.Tls;

/// <summary>
/// The raw transport as the <see cref="Stream"/> that <see cref="System.Net.Security.SslStream"/> needs. It owns
/// nothing: disposing it leaves the pipes alone, since the connection's owner completes them.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var available = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(available.Start);
                throw new OperationCanceledException("The transport's pending read was cancelled.");
            }

            // SslStream waits for data with zero-byte reads; those must leave the data unexamined for the next read.
            if (buffer.IsEmpty)
            {
                _input.AdvanceTo(available.Start);
                return 0;
            }

            if (!available.IsEmpty)
            {
                var count = (int)Math.Min(available.Length, buffer.Length);
                var taken = available.Slice(0, count);
                taken.CopyTo(buffer.Span);
                _input.AdvanceTo(taken.End);
                return count;
            }

            _input.AdvanceTo(available.End);
            if (result.IsCompleted)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _output.FlushAsync(cancellationToken).AsTask();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
