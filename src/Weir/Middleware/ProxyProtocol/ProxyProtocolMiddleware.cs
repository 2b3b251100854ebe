using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>
/// Reads the PROXY header off the front of the connection, advancing the transport's reader past it and no
/// further, so the application reads the stream from its first byte of data, in the transport's own buffers.
/// </summary>
internal sealed class ProxyProtocolMiddleware(
    ConnectionDelegate next, ProxyProtocolOptions options, TimeProvider timeProvider, ILogger logger)
{
    private readonly bool _required = options.Required;
    private readonly TimeSpan _headerTimeout = options.HeaderTimeout;
    private readonly IPAddress[] _trustedProxies = [.. options.TrustedProxies.Select(Normalize)];
    private readonly IPNetwork[] _trustedNetworks = [.. options.TrustedNetworks];

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.RemoteEndPoint;
        if (!IsTrusted(peer))
        {
            if (_required)
            {
                WeirLog.ProxyPeerUntrusted(logger, connection.ConnectionId, peer?.ToString());
                await RefuseAsync(connection, ConnectionCloseReason.ProtocolError, "untrusted proxy").ConfigureAwait(false);
                return;
            }

            WeirLog.ProxyPeerUntrustedPassedThrough(logger, connection.ConnectionId, peer?.ToString());
            await next(connection).ConfigureAwait(false);
            return;
        }

        ProxyParseResult result;
        using (var timeout = new CancellationTokenSource(_headerTimeout, timeProvider))
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, connection.ConnectionClosed))
        {
            try
            {
                result = await ReadHeaderAsync(connection.Transport.Input, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                WeirLog.ProxyHeaderTimedOut(logger, connection.ConnectionId, _headerTimeout);
                await RefuseAsync(connection, ConnectionCloseReason.Timeout, "PROXY header timeout").ConfigureAwait(false);
                return;
            }
        }

        switch (result.Status)
        {
            case ProxyParseStatus.Parsed:
                Apply(connection, result.Header!);
                break;
            case ProxyParseStatus.NotProxyProtocol when !_required:
                WeirLog.ProxyHeaderAbsent(logger, connection.ConnectionId);
                break;
            default:
                var reason = result.Error ?? (result.Status == ProxyParseStatus.NotProxyProtocol
                    ? "the connection does not start with a PROXY header"
                    : "the connection closed before the header was complete");
                WeirLog.ProxyHeaderRejected(logger, connection.ConnectionId, reason);
                await RefuseAsync(connection, ConnectionCloseReason.ProtocolError, reason).ConfigureAwait(false);
                return;
        }

        await next(connection).ConfigureAwait(false);
    }

    private async ValueTask<ProxyParseResult> ReadHeaderAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = ProxyHeaderParser.Parse(buffer);
            switch (result.Status)
            {
                case ProxyParseStatus.Parsed:
                    input.AdvanceTo(buffer.GetPosition(result.Length));
                    return result;
                case ProxyParseStatus.NeedMoreData or ProxyParseStatus.Incomplete when !read.IsCompleted:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
                case ProxyParseStatus.NeedMoreData when !_required:
                    // The peer closed on a few bytes that might have begun a signature: they are its data.
                    input.AdvanceTo(buffer.Start);
                    return ProxyParseResult.NotProxyProtocol;
                default:
                    input.AdvanceTo(buffer.Start);
                    return result;
            }
        }
    }

    private void Apply(ConnectionContext connection, ProxyProtocolFeature header)
    {
        header.ProxyEndPoint = connection.RemoteEndPoint;
        connection.Features.Set<IProxyProtocolFeature>(header);
        if (header.SourceEndPoint is null)
        {
            WeirLog.ProxyHeaderWithoutAddresses(logger, connection.ConnectionId, header.Version);
            return;
        }

        connection.RemoteEndPoint = header.SourceEndPoint;
        connection.LocalEndPoint = header.DestinationEndPoint ?? connection.LocalEndPoint;
        WeirLog.ProxyHeaderAccepted(
            logger, connection.ConnectionId, header.ProxyEndPoint?.ToString(), header.Version,
            connection.RemoteEndPoint?.ToString(), connection.LocalEndPoint?.ToString());
    }

    private static async ValueTask RefuseAsync(ConnectionContext connection, ConnectionCloseReason reason, string message)
    {
        ConnectionClose.Report(connection, reason, new ConnectionAbortedException(message));
        await ConnectionClose.CompleteTransportAsync(connection).ConfigureAwait(false);
    }

    private bool IsTrusted(EndPoint? peer)
    {
        if (peer is not IPEndPoint ip)
        {
            return true;
        }

        var address = Normalize(ip.Address);
        if (Array.IndexOf(_trustedProxies, address) >= 0)
        {
            return true;
        }

        foreach (var network in _trustedNetworks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
