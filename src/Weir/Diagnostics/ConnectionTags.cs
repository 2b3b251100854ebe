using System.Net;
using System.Net.Sockets;

namespace Weir.Diagnostics;

/// <summary>The tags Weir's connection instruments carry, after Kestrel's and OpenTelemetry's names.</summary>
internal static class ConnectionTags
{
    public const string CloseReason = "weir.connection.close_reason";

    /// <summary>The tags of a listener bound on <paramref name="endPoint"/>: transport, address family, address and port.</summary>
    public static KeyValuePair<string, object?>[] ForEndPoint(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip =>
        [
            new("network.transport", "tcp"),
            new("network.type", ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4"),
            new("server.address", ip.Address.ToString()),
            new("server.port", ip.Port),
        ],
        UnixDomainSocketEndPoint unix =>
        [
            new("network.transport", "unix"),
            new("server.address", unix.ToString()),
        ],
        _ => [new("server.address", endPoint.ToString())],
    };

    /// <summary>The value of the <see cref="CloseReason"/> tag: the reason in snake case.</summary>
    public static string Value(ConnectionCloseReason reason) => reason switch
    {
        ConnectionCloseReason.PeerClosed => "peer_closed",
        ConnectionCloseReason.PeerReset => "peer_reset",
        ConnectionCloseReason.LocalClosed => "local_closed",
        ConnectionCloseReason.LocalAborted => "local_aborted",
        ConnectionCloseReason.Timeout => "timeout",
        ConnectionCloseReason.LimitExceeded => "limit_exceeded",
        ConnectionCloseReason.ProtocolError => "protocol_error",
        ConnectionCloseReason.TlsHandshakeFailed => "tls_handshake_failed",
        ConnectionCloseReason.ServerStopping => "server_stopping",
        ConnectionCloseReason.TransportError => "transport_error",
        ConnectionCloseReason.ApplicationError => "application_error",
        _ => "unknown",
    };
}
