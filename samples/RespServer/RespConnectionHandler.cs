using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.Protocols;

namespace RespServer;

/// <summary>
/// Serves RESP2 on one connection. Pipelined requests are answered in one flush: replies accumulate while more
/// requests are already buffered, and go out together when the reader would have to wait for the network.
/// A malformed request gets an <c>-ERR Protocol error</c> reply, then the connection closes.
/// </summary>
public sealed class RespConnectionHandler : ConnectionHandler
{
    // Replies to a long pipeline go out in pieces this big, so a client that sends much and reads little
    // meets the output's back-pressure instead of growing the server's buffers.
    private const int FlushThreshold = 64 * 1024;
    private const int FlushThresholdInReplies = 256;

    private readonly RespStore _store;
    private readonly RespLimits _limits;
    private long _lastClientId;

    /// <summary>Initializes a new instance serving <paramref name="store"/>.</summary>
    /// <param name="store">The store, shared by every connection.</param>
    /// <param name="limits">Bounds on one request; the defaults when <see langword="null"/>.</param>
    public RespConnectionHandler(RespStore store, RespLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _limits = limits ?? new RespLimits();
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var reader = connection.CreateReader();
        var parser = new RespRequestReader(_limits);
        var executor = new RespCommandExecutor(_store, Interlocked.Increment(ref _lastClientId));
        var output = connection.Transport.Output;
        var unflushed = 0;
        try
        {
            while (true)
            {
                // Looking at the ValueTask before awaiting it once is the point: an incomplete read means
                // nothing more is buffered, so the replies so far go out now.
#pragma warning disable CA2012
                var read = reader.ReadAsync(parser, _limits.MaximumRequestSize, connection.ConnectionClosed);
                if (unflushed > 0 && (!read.IsCompleted || IsFlushDue(output, unflushed)))
#pragma warning restore CA2012
                {
                    unflushed = 0;
                    if ((await output.FlushAsync(connection.ConnectionClosed)).IsCompleted)
                    {
                        await read;
                        return;
                    }
                }

                var result = await read;
                if (!result.HasMessage)
                {
                    break;
                }

                var keepOpen = executor.Execute(result.Message, output);
                reader.Advance();
                unflushed++;
                if (!keepOpen)
                {
                    break;
                }
            }
        }
        catch (ProtocolException e)
        {
            connection.Features.Get<IConnectionCloseReasonFeature>()?.TrySetReason(ConnectionCloseReason.ProtocolError, e);
            output.WriteError($"ERR {e.Message}");
            unflushed++;
        }
        catch (OperationCanceledException) when (connection.ConnectionClosed.IsCancellationRequested)
        {
            return;
        }

        if (unflushed > 0)
        {
            await output.FlushAsync();
        }
    }

    private static bool IsFlushDue(System.IO.Pipelines.PipeWriter output, int unflushedReplies) =>
        output.CanGetUnflushedBytes ? output.UnflushedBytes >= FlushThreshold : unflushedReplies >= FlushThresholdInReplies;
}
