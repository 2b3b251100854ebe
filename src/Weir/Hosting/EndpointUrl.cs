using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Weir.Hosting;

/// <summary>Reads the <see cref="WeirEndpointOptions.Url"/> forms: <c>tcp://host:port</c> and <c>unix:path</c>.</summary>
internal static class EndpointUrl
{
    private const string TcpScheme = "tcp://";
    private const string UnixScheme = "unix:";

    /// <summary>Reads a URL the options validator has already accepted.</summary>
    public static EndPoint Parse(string? url) =>
        TryParse(url, out var endPoint) ? endPoint : throw new FormatException($"'{url}' is not an endpoint URL.");

    public static bool TryParse(string? url, [NotNullWhen(true)] out EndPoint? endPoint)
    {
        endPoint = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return false;
        }

        if (url.StartsWith(UnixScheme, StringComparison.OrdinalIgnoreCase))
        {
            var path = url[UnixScheme.Length..];
            if (path.Length == 0)
            {
                return false;
            }

            endPoint = new UnixDomainSocketEndPoint(path);
            return true;
        }

        if (!url.StartsWith(TcpScheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hostAndPort = url[TcpScheme.Length..].TrimEnd('/');
        var colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(hostAndPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > IPEndPoint.MaxPort
            || ParseHost(hostAndPort[..colon]) is not { } address)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }

    private static IPAddress? ParseHost(string host) => host switch
    {
        "*" or "+" => Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any,
        _ when host.Equals("localhost", StringComparison.OrdinalIgnoreCase) => IPAddress.Loopback,
        ['[', .. var inner, ']'] => IPAddress.TryParse(inner, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null,
        _ => IPAddress.TryParse(host, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork ? v4 : null,
    };
}
