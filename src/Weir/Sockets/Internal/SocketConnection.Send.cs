using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>What the connection does for its <see cref="SocketOutput"/>: FIN, errors, and the end of sending.</summary>
internal sealed partial class SocketConnection
{
    private volatile bool _finSent;

    /// <summary>What the output sends through.</summary>
    internal ISocketChannel Channel => _channel;

    /// <summary>Half-closes: the peer reads to the end of what was sent, and this side can still receive.</summary>
    internal void SendFin()
    {
        lock (_shutdownLock)
        {
            if (_socketClosed || _terminalError is not null)
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

    /// <summary>A send failed: ends the connection and returns what the output fails with.</summary>
    internal Exception SendFailed(SocketError socketError) => EndWith(_terminalError ?? FailedOperationError(socketError));

    /// <summary>A send threw: after an abort closed the socket that is expected, else it is a transport error.</summary>
    internal Exception SendThrew(Exception exception) =>
        EndWith(_terminalError ?? (exception is ObjectDisposedException && _stoppingReceive ? new ConnectionAbortedException("The connection was closed.") : TransportError(exception)));

    /// <summary>The application completed the output with an error.</summary>
    internal void AbortFromOutput(ConnectionAbortedException error) => Terminate(error, reset: true);

    internal void OnSendEnded() => OnLoopEnded();

    private Exception EndWith(Exception error)
    {
        Terminate(error, reset: false);
        return _terminalError ?? error;
    }
}
