using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Buffers;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

internal sealed partial class SocketConnection
{
    // A smaller tail of the current block is not worth a system call; the pipe rents a fresh block instead.
    private const int MinimumReadSize = 1024;

    private long _bytesReceived;
    private volatile bool _draining;
    private volatile bool _finReceived;

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            var lastReadFilledBuffer = false;
            while (true)
            {
                // While data keeps coming (the last read filled its buffer) the wait would cost a system call
                // and find data at once, so it is skipped.
                if (_waitForData && !lastReadFilledBuffer)
                {
                    var ready = await _channel.WaitForDataAsync().ConfigureAwait(false);
                    if (ready.HasError)
                    {
                        error = ReceiveError(ready.Error);
                        break;
                    }
                }

                var buffer = _input.GetReceiveBuffer(lastReadFilledBuffer ? PinnedBlockMemoryPool.LargeBlockSize : MinimumReadSize);
                var bufferLength = buffer.Length;
                var received = await _channel.ReceiveAsync(buffer).ConfigureAwait(false);
                if (received.HasError)
                {
                    error = ReceiveError(received.Error);
                    break;
                }

                var count = received.BytesTransferred;
                if (count == 0)
                {
                    _input.ReleaseReceiveBuffer();
                    if (WasReset())
                    {
                        error = ReceiveError(SocketError.ConnectionReset);
                    }
                    else
                    {
                        OnPeerFin();
                    }

                    break;
                }

                _bytesReceived += count;
                lastReadFilledBuffer = count == bufferLength;

                var flushed = await _input.CommitAsync(count).ConfigureAwait(false);
                if (flushed.IsCompleted && !flushed.IsCanceled)
                {
                    await DrainAsync().ConfigureAwait(false);
                    break;
                }

                if (flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException) when (_terminalError is not null || _stoppingReceive)
        {
            // The socket was closed under the loop by Abort or DisposeAsync; the terminal error says why.
        }
        catch (Exception ex)
        {
            error = TransportError(ex);
        }
        finally
        {
            error ??= _terminalError;
            _input.CompleteWriter(error);
            if (error is not null && error != _terminalError)
            {
                Terminate(error, reset: false);
            }

            OnLoopEnded();
        }
    }

    /// <summary>
    /// The application reads no more but the peer still sends: read and discard until its FIN, so closing the
    /// socket later does not answer unread bytes with RST. DisposeAsync bounds the wait.
    /// </summary>
    private async Task DrainAsync()
    {
        _draining = true;
        using var scratch = _pool.Rent(PinnedBlockMemoryPool.LargeBlockSize);
        while (true)
        {
            var received = await _channel.ReceiveAsync(scratch.Memory).ConfigureAwait(false);
            if (received.HasError || received.BytesTransferred == 0)
            {
                return;
            }

            _bytesReceived += received.BytesTransferred;
        }
    }

    // A peer that has sent anything and not yet its FIN may send more at any moment: its next bytes, arriving at a
    // closed socket, would be answered with RST. The socket may already be closed by an abort, which answers no
    // more questions.
    private bool PeerIsStillSending()
    {
        // After its FIN it sends nothing more; this is the common case, and needs no wait and no timer.
        if (_finReceived)
        {
            return false;
        }

        if (_draining || Volatile.Read(ref _bytesReceived) > 0)
        {
            return true;
        }

        try
        {
            return _socket.Available > 0;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    private void OnPeerFin()
    {
        _finReceived = true;
        if (_stoppingReceive || _terminalError is not null)
        {
            return;
        }

        _closeReason.TrySetReason(ConnectionCloseReason.PeerClosed);
        if (IsDebugLogging)
        {
            WeirLog.ConnectionReadFin(_logger, ConnectionId);
        }

    }

    private Exception? ReceiveError(SocketError socketError)
    {
        if (_terminalError is { } terminal)
        {
            return terminal;
        }

        return _stoppingReceive ? null : FailedOperationError(socketError);
    }

    /// <summary>What a failed socket operation ends the connection with: a reset, or any other transport error.</summary>
    private Exception FailedOperationError(SocketError socketError)
    {
        if (IsPeerReset(socketError))
        {
            _closeReason.TrySetReason(ConnectionCloseReason.PeerReset);
            if (IsDebugLogging)
            {
                WeirLog.ConnectionReset(_logger, ConnectionId);
            }

            var reset = new SocketException((int)socketError);
            return new ConnectionResetException(reset.Message, reset);
        }

        return TransportError(new SocketException((int)socketError));
    }

    private Exception TransportError(Exception cause)
    {
        _closeReason.TrySetReason(ConnectionCloseReason.TransportError, cause);
        WeirLog.ConnectionError(_logger, ConnectionId, cause);
        return cause is SocketException ? new IOException(cause.Message, cause) : cause;
    }

    /// <summary>
    /// Whether an end of stream was a reset: Linux reports a reset to one call only, and when a send took it, the
    /// receive sees an end of stream. Only a send in flight, or one that failed, can have taken it; otherwise the
    /// end is a FIN and no system call is spent asking. The TCP state tells the two apart: CLOSE after a reset,
    /// CLOSE_WAIT after a FIN (CLOSE too once both FINs are acknowledged, hence the check that none was sent).
    /// </summary>
    private bool WasReset()
    {
        const int IPPROTO_TCP = 6;
        const int TCP_INFO = 11;
        const byte TCP_CLOSE = 7;
        if (_finSent || !_output.MayHaveTakenAReset || !OperatingSystem.IsLinux() || _socket.ProtocolType != ProtocolType.Tcp)
        {
            return false;
        }

        Span<byte> info = stackalloc byte[8];
        try
        {
            return _socket.GetRawSocketOption(IPPROTO_TCP, TCP_INFO, info) > 0 && info[0] == TCP_CLOSE;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool IsPeerReset(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown;
}
