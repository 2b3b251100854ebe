using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace ChatServer;

/// <summary>
/// One client in the room: its nickname, and a bounded queue of lines on their way to it, drained by its own
/// send loop so that a slow client only ever slows itself.
/// </summary>
internal sealed class ChatMember : IAsyncDisposable
{
    private readonly ConnectionContext _connection;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly DelimitedFrameWriter _lineWriter;
    private readonly ITimer _idle;
    private readonly TimeSpan _idleTimeout;
    private readonly Task _sending;
    private string? _leaveReason;

    public ChatMember(ConnectionContext connection, string nickname, ChatOptions options, DelimitedFrameWriter lineWriter, TimeProvider time)
    {
        _connection = connection;
        Nickname = nickname;
        _lineWriter = lineWriter;
        _idleTimeout = options.IdleTimeout;
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _idle = time.CreateTimer(
            static state => ((ChatMember)state!).Close("idle timeout", ConnectionCloseReason.Timeout), this, _idleTimeout, Timeout.InfiniteTimeSpan);
        _sending = SendLoopAsync();
    }

    public string Nickname { get; set; }

    /// <summary>Gets why the member left, once it has.</summary>
    public string? LeaveReason => Volatile.Read(ref _leaveReason);

    /// <summary>Queues a line for this client without waiting; a full queue means the client is too slow.</summary>
    public void Send(ReadOnlyMemory<byte> line)
    {
        if (!_queue.Writer.TryWrite(line) && LeaveReason is null)
        {
            Abort("too slow: its send queue is full", ConnectionCloseReason.LimitExceeded);
        }
    }

    /// <summary>The client spoke: its idle clock starts again.</summary>
    public void Touch() => _idle.Change(_idleTimeout, Timeout.InfiniteTimeSpan);

    /// <summary>Says goodbye and closes once the lines already queued are sent.</summary>
    public void Close(string reason, ConnectionCloseReason closeReason, Exception? error = null)
    {
        if (!TrySetLeaveReason(reason, closeReason, error))
        {
            return;
        }

        _queue.Writer.TryWrite(System.Text.Encoding.UTF8.GetBytes($"* bye: {reason}"));
        _queue.Writer.TryComplete();

        // Wakes the read loop, which then sees a canceled read and leaves.
        _connection.Transport.Input.CancelPendingRead();
    }

    /// <summary>Records that the client went away on its own.</summary>
    public void Disconnected(string reason) => TrySetLeaveReason(reason, ConnectionCloseReason.Unknown, null);

    public async ValueTask DisposeAsync()
    {
        _idle.Dispose();
        _queue.Writer.TryComplete();
        await _sending.ConfigureAwait(false);
    }

    private void Abort(string reason, ConnectionCloseReason closeReason)
    {
        if (TrySetLeaveReason(reason, closeReason, null))
        {
            _queue.Writer.TryComplete();
            _connection.Abort(new ConnectionAbortedException(reason));
        }
    }

    private bool TrySetLeaveReason(string reason, ConnectionCloseReason closeReason, Exception? error)
    {
        if (Interlocked.CompareExchange(ref _leaveReason, reason, null) is not null)
        {
            return false;
        }

        _connection.Features.Get<IConnectionCloseReasonFeature>()?.TrySetReason(closeReason, error);
        return true;
    }

    private async Task SendLoopAsync()
    {
        // Off the caller's stack: the loop starts while the member is still being built.
        await Task.Yield();
        using var writer = new ProtocolWriter(_connection.Transport.Output);
        var closed = _connection.ConnectionClosed;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(closed).ConfigureAwait(false))
            {
                // Everything queued goes out in one flush.
                await using var batch = await writer.BeginBatchAsync(closed).ConfigureAwait(false);
                while (_queue.Reader.TryRead(out var line))
                {
                    batch.Write(_lineWriter, line);
                }

                if ((await batch.FlushAsync(closed).ConfigureAwait(false)).IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionAbortedException or ConnectionResetException or InvalidOperationException)
        {
            // The connection is gone or going: what was queued for it no longer matters.
        }
    }
}
