namespace Weir.Diagnostics;

/// <summary>Why a connection ended. Only the first cause is kept; later ones are consequences of it.</summary>
public enum ConnectionCloseReason
{
    /// <summary>The connection has not closed, or nothing recorded a cause.</summary>
    Unknown = 0,

    /// <summary>The peer sent FIN and the application finished after it.</summary>
    PeerClosed,

    /// <summary>The peer reset the connection (RST).</summary>
    PeerReset,

    /// <summary>The application completed its side normally.</summary>
    LocalClosed,

    /// <summary>The application called <c>Abort()</c>.</summary>
    LocalAborted,

    /// <summary>A timeout (idle, handshake, header) closed the connection.</summary>
    Timeout,

    /// <summary>A limit (connection count, data rate) refused or closed the connection.</summary>
    LimitExceeded,

    /// <summary>The peer sent bytes that broke the protocol spoken on the connection.</summary>
    ProtocolError,

    /// <summary>The TLS handshake failed.</summary>
    TlsHandshakeFailed,

    /// <summary>The server was stopping and the connection did not finish in time, or was asked to finish.</summary>
    ServerStopping,

    /// <summary>The socket failed for a reason other than a reset.</summary>
    TransportError,

    /// <summary>The connection's handler threw.</summary>
    ApplicationError,
}
