using System.IO.Pipelines;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

using Weir.Buffers;

namespace Weir.Middleware.Tls;

/// <summary>
/// Runs the rest of the pipeline over the decrypted stream, then puts the raw transport back, so the connection's
/// owner completes and disposes what it created.
/// </summary>
/// <remarks>
/// <code>
///   app ── Transport.Output ─▶ TlsPipeWriter ─▶ SslStream ─▶ DuplexPipeStream ─▶ raw Output ─▶ socket
///   app ◀─ Transport.Input ── StreamPipeReader ◀─ SslStream ◀─ DuplexPipeStream ◀─ raw Input ◀─ socket
/// </code>
/// </remarks>
internal static class TlsSession
{
    public static async Task RunAsync(ConnectionContext connection, SslStream stream, IDuplexPipe rawTransport, ConnectionDelegate next)
    {
        var feature = new TlsConnectionFeature(stream);
        connection.Features.Set<ITlsHandshakeFeature>(feature);
        connection.Features.Set<ITlsConnectionFeature>(feature);
        connection.Features.Set<ITlsApplicationProtocolFeature>(feature);

        var pool = connection.Features.Get<IMemoryPoolFeature>()?.MemoryPool;
        // Zero-byte reads keep an idle TLS connection from holding a buffer while it waits.
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(pool, leaveOpen: true, useZeroByteReads: true));
        var output = new TlsPipeWriter(PipeWriter.Create(stream, new StreamPipeWriterOptions(pool, leaveOpen: true)), stream, rawTransport.Output);
        connection.Transport = new DuplexPipe(input, output);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = rawTransport;
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
