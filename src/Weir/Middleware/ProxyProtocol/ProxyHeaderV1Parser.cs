using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>
/// The text header: <c>PROXY TCP4|TCP6 src dst sport dport\r\n</c> or <c>PROXY UNKNOWN[ anything]\r\n</c>, at most
/// 107 bytes. Parsed strictly: single spaces, canonical addresses of the named family, ports without leading zeros.
/// </summary>
internal static class ProxyHeaderV1Parser
{
    public const int MaxLength = 107;

    public static ProxyParseResult Parse(ReadOnlySequence<byte> buffer)
    {
        var window = buffer.Slice(0, Math.Min(buffer.Length, MaxLength));
        var reader = new SequenceReader<byte>(window);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            return window.Length == MaxLength
                ? ProxyParseResult.Invalid("v1 header has no CRLF within 107 bytes")
                : ProxyParseResult.Incomplete;
        }

        Span<byte> bytes = stackalloc byte[MaxLength];
        bytes = bytes[..(int)line.Length];
        line.CopyTo(bytes);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7e)
            {
                return ProxyParseResult.Invalid("v1 header has a byte that is not printable ASCII");
            }
        }

        Span<char> text = stackalloc char[bytes.Length];
        Encoding.ASCII.GetChars(bytes, text);
        return ParseLine(text, reader.Consumed);
    }

    private static ProxyParseResult ParseLine(ReadOnlySpan<char> line, long length)
    {
        // "PROXY" and at most five fields; a seventh range means there was more.
        Span<Range> fields = stackalloc Range[7];
        var count = line.Split(fields, ' ');
        var protocol = count > 1 ? line[fields[1]] : [];

        if (protocol.SequenceEqual("UNKNOWN"))
        {
            return ProxyParseResult.Parsed(new ProxyProtocolFeature { Version = 1, Command = ProxyProtocolCommand.Proxy }, length);
        }

        var family = protocol.SequenceEqual("TCP4") ? AddressFamily.InterNetwork
            : protocol.SequenceEqual("TCP6") ? AddressFamily.InterNetworkV6
            : AddressFamily.Unknown;
        if (family == AddressFamily.Unknown)
        {
            return ProxyParseResult.Invalid("v1 header names no known protocol (TCP4, TCP6, UNKNOWN)");
        }

        if (count != 6)
        {
            return ProxyParseResult.Invalid("v1 header does not have exactly five fields");
        }

        if (!TryParseAddress(line[fields[2]], family, out var source)
            || !TryParseAddress(line[fields[3]], family, out var destination))
        {
            return ProxyParseResult.Invalid($"v1 header has an address that is not {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}");
        }

        if (!TryParsePort(line[fields[4]], out var sourcePort) || !TryParsePort(line[fields[5]], out var destinationPort))
        {
            return ProxyParseResult.Invalid("v1 header has a port that is not a number from 0 to 65535");
        }

        return ProxyParseResult.Parsed(
            new ProxyProtocolFeature
            {
                Version = 1,
                Command = ProxyProtocolCommand.Proxy,
                SourceEndPoint = new IPEndPoint(source, sourcePort),
                DestinationEndPoint = new IPEndPoint(destination, destinationPort),
            },
            length);
    }

    private static bool TryParseAddress(ReadOnlySpan<char> text, AddressFamily family, out IPAddress address)
    {
        // IPAddress.TryParse also takes "1", "0x7f.1" or a scope id; the protocol allows only the plain forms.
        var allowed = family == AddressFamily.InterNetwork ? "0123456789." : "0123456789abcdefABCDEF:.";
        if (text.IsEmpty || text.ContainsAnyExcept(allowed)
            || (family == AddressFamily.InterNetwork && text.Count('.') != 3)
            || !IPAddress.TryParse(text, out address!) || address.AddressFamily != family)
        {
            address = IPAddress.None;
            return false;
        }

        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            port = (port * 10) + (c - '0');
        }

        return port <= IPEndPoint.MaxPort;
    }
}
