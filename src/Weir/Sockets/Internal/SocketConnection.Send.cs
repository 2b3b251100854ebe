using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

internal sealed partial class SocketConnection
{
    private long _bytesSent;
    private volatile bool _finSent;

    private async Task SendLoopAsync()
    {
        var output = _application.Input;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await output.ReadAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The application completed Output with an error: nothing it wrote can be trusted to end
                    // cleanly, so the peer gets RST rather than a FIN that reads like success.
                    error = new ConnectionAbortedException("The application completed the output with an error.", ex);
                    Terminate(error, reset: true);
                    break;
                }

                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    var sender = _senders.Rent();
                    SocketOperationResult sent;
                    try
                    {
                        sent = await sender.SendAsync(_socket, buffer).ConfigureAwait(false);
                    }
                    catch
                    {
                        sender.Dispose();
                        throw;
                    }

                    _senders.Return(sender);
                    if (sent.HasError)
                    {
                        error = SendError(sent.Error);
                        break;
                    }

                    _bytesSent += buffer.Length;
                }

                output.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException) when (_terminalError is not null)
        {
            // Abort closed the socket under the loop; the terminal error says why.
        }
        catch (Exception ex)
        {
            error = TransportError(ex);
        }
        finally
        {
            error ??= _terminalError;
            if (error is null)
            {
                SendFin();
            }
            else if (error != _terminalError)
            {
                Terminate(error, reset: false);
            }

            output.Complete(error);
            OnLoopEnded();
        }
    }

    /// <summary>Half-closes: the peer reads to the end of what was sent, and this side can still receive.</summary>
    private void SendFin()
    {
        lock (_shutdownLock)
        {
            if (_socketClosed)
            {
                return;
            }

            if (IsDebugLogging)
            {
                WeirLog.ConnectionWriteFin(_logger, ConnectionId);
            }

            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                _finSent = true;
            }
            catch (SocketException)
            {
                // The peer is gone already; the receive loop will see it.
            }
        }
    }

    private Exception SendError(SocketError socketError)
    {
        return _terminalError ?? FailedOperationError(socketError);
    }
}
