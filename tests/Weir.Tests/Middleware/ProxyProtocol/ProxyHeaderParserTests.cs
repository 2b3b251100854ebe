using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Weir.Middleware.ProxyProtocol;

namespace Weir.Tests.Middleware.ProxyProtocol;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Payload = "GET / HTTP/1.1\r\n"u8.ToArray();

    public static TheoryData<string> ValidHeaders =>
    [
        "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
        "PROXY TCP6 2001:db8::1 2001:db8::ff 65535 0\r\n",
        "PROXY UNKNOWN\r\n",
        "v2-inet",
        "v2-inet6",
        "v2-unix",
        "v2-local",
        "v2-tlvs",
    ];

    [Fact]
    public void AV1Tcp4HeaderGivesTheClientAndDestinationEndpoints()
    {
        var header = ProxyHeaders.V1("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");

        var result = Parse([.. header, .. Payload]);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Equal(1, result.Header!.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 56324), result.Header.SourceEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.2"), 443), result.Header.DestinationEndPoint);
        Assert.Empty(result.Header.Tlvs);
    }

    [Fact]
    public void AV1Tcp6HeaderGivesIPv6Endpoints()
    {
        var result = Parse(ProxyHeaders.V1("PROXY TCP6 2001:db8::1 ::ffff:192.0.2.9 1 65535\r\n"));

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), result.Header!.SourceEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.9"), 65535), result.Header.DestinationEndPoint);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")]
    public void AV1UnknownHeaderKeepsTheRealEndpoints(string line)
    {
        var header = ProxyHeaders.V1(line);

        var result = Parse([.. header, .. Payload]);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Null(result.Header!.SourceEndPoint);
        Assert.Equal(ProxyProtocolCommand.Proxy, result.Header.Command);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n", "four fields")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 7\r\n", "six fields")]
    [InlineData("PROXY TCP4  192.0.2.1 198.51.100.2 56324 443\r\n", "two spaces")]
    [InlineData("PROXY TCP4 192.0.2 198.51.100.2 56324 443\r\n", "three-part IPv4")]
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.2 56324 443\r\n", "IPv6 under TCP4")]
    [InlineData("PROXY TCP6 192.0.2.1 2001:db8::2 56324 443\r\n", "IPv4 under TCP6")]
    [InlineData("PROXY TCP6 fe80::1%eth0 2001:db8::2 56324 443\r\n", "scope id")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n", "port too big")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n", "leading zero")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n", "negative port")]
    [InlineData("PROXY UDP4 192.0.2.1 198.51.100.2 56324 443\r\n", "unknown protocol")]
    [InlineData("PROXY \r\n", "no protocol")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n\r\n", "bare LF")]
    public void AMalformedV1HeaderIsInvalid(string line, string why)
    {
        var result = Parse(ProxyHeaders.V1(line));

        Assert.True(result.Status == ProxyParseStatus.Invalid, why);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void AV1HeaderWithANonAsciiByteIsInvalid()
    {
        byte[] header = [.. "PROXY TCP4 192.0.2.1 198.51.100.2 5632"u8, 0xC3, 0xA9, .. " 443\r\n"u8];

        Assert.Equal(ProxyParseStatus.Invalid, Parse(header).Status);
    }

    [Fact]
    public void AV1HeaderWithoutCrlfWithin107BytesIsInvalid()
    {
        var header = ProxyHeaders.V1("PROXY UNKNOWN " + new string('x', 93));
        Assert.Equal(107, header.Length);

        Assert.Equal(ProxyParseStatus.Incomplete, Parse(header[..106]).Status);
        Assert.Equal(ProxyParseStatus.Invalid, Parse([.. header, .. "\r\n"u8]).Status);
    }

    [Fact]
    public void AV1HeaderOfExactly107BytesIsAccepted()
    {
        var header = ProxyHeaders.V1("PROXY UNKNOWN " + new string('x', 91) + "\r\n");
        Assert.Equal(107, header.Length);

        Assert.Equal(ProxyParseStatus.Parsed, Parse(header).Status);
    }

    [Fact]
    public void AV2ProxyInetHeaderGivesTheEndpoints()
    {
        var header = ProxyHeaders.V2(0x21, 0x11, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 51000, 8080));

        var result = Parse([.. header, .. Payload]);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Equal(2, result.Header!.Version);
        Assert.Equal(ProxyProtocolCommand.Proxy, result.Header.Command);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 51000), result.Header.SourceEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 8080), result.Header.DestinationEndPoint);
    }

    [Fact]
    public void AV2ProxyInet6HeaderGivesTheEndpoints()
    {
        var header = ProxyHeaders.V2(0x21, 0x21, ProxyHeaders.Inet("2001:db8::5", "2001:db8::1", 443, 65535));

        var result = Parse(header);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 443), result.Header!.SourceEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 65535), result.Header.DestinationEndPoint);
    }

    [Fact]
    public void AV2ProxyUnixHeaderGivesSocketPaths()
    {
        var header = ProxyHeaders.V2(0x21, 0x31, ProxyHeaders.Unix("/run/client.sock", "/run/server.sock"));

        var result = Parse(header);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal("/run/client.sock", Assert.IsType<UnixDomainSocketEndPoint>(result.Header!.SourceEndPoint).ToString());
        Assert.Equal("/run/server.sock", result.Header.DestinationEndPoint!.ToString());
    }

    [Fact]
    public void AV2ProxyUnixHeaderFromAnUnnamedSocketHasNoSource()
    {
        var result = Parse(ProxyHeaders.V2(0x21, 0x31, ProxyHeaders.Unix("", "/run/server.sock")));

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Null(result.Header!.SourceEndPoint);
    }

    [Fact]
    public void AV2LocalHeaderKeepsTheRealEndpointsAndSkipsItsBlock()
    {
        var header = ProxyHeaders.V2(0x20, 0x11, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2));

        var result = Parse([.. header, .. Payload]);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Equal(ProxyProtocolCommand.Local, result.Header!.Command);
        Assert.Null(result.Header.SourceEndPoint);
    }

    [Fact]
    public void AV2LocalHeaderIgnoresEvenAnUnknownFamily()
    {
        var result = Parse(ProxyHeaders.V2(0x20, 0xf5, [1, 2, 3, 4]));

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(ProxyProtocolCommand.Local, result.Header!.Command);
    }

    [Fact]
    public void AV2UnspecHeaderKeepsTheRealEndpoints()
    {
        var header = ProxyHeaders.V2(0x21, 0x00, [1, 2, 3]);

        var result = Parse(header);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Null(result.Header!.SourceEndPoint);
    }

    [Fact]
    public void AV2HeaderExposesItsTlvs()
    {
        var header = ProxyHeaders.V2(
            0x21, 0x11, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2),
            (0x01, "h2"u8.ToArray()),
            (0x02, "example.com"u8.ToArray()),
            (0x04, new byte[3]),
            (0x05, [0xde, 0xad, 0xbe, 0xef]),
            (0xe0, "custom"u8.ToArray()),
            (0x20, [0x01, 0, 0, 0, 0]));

        var result = Parse([.. header, .. Payload]);

        Assert.Equal(ProxyParseStatus.Parsed, result.Status);
        var feature = result.Header!;
        Assert.Equal("h2", Encoding.ASCII.GetString(feature.ApplicationProtocol.Span));
        Assert.Equal("example.com", feature.Authority);
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef }, feature.UniqueId.ToArray());
        Assert.Equal(new byte[] { 0x01, 0x02, 0x04, 0x05, 0xe0, 0x20 }, feature.Tlvs.Select(t => t.Type));
        Assert.Equal("custom", Encoding.ASCII.GetString(feature.Tlvs.Single(t => t.Type == 0xe0).Value.Span));
        Assert.Equal(header.Length, result.Length);
    }

    [Fact]
    public void AV2HeaderWithAGoodChecksumIsAccepted()
    {
        Assert.Equal(ProxyParseStatus.Parsed, Parse(ProxyHeaders.V2WithChecksum(corrupt: false)).Status);
    }

    [Fact]
    public void AV2HeaderWithABadChecksumIsInvalid()
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(ProxyHeaders.V2WithChecksum(corrupt: true)).Status);
    }

    [Theory]
    [InlineData(0x11, 0x11, "version 1 in the binary format")]
    [InlineData(0x22, 0x11, "unknown command")]
    [InlineData(0x21, 0x41, "unknown family")]
    [InlineData(0x21, 0x13, "unknown transport protocol")]
    [InlineData(0x21, 0x12, "datagram addresses")]
    public void AV2HeaderWithUnknownFieldsIsInvalid(byte versionCommand, byte familyProtocol, string why)
    {
        var result = Parse(ProxyHeaders.V2(versionCommand, familyProtocol, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2)));

        Assert.True(result.Status == ProxyParseStatus.Invalid, why);
    }

    [Theory]
    [InlineData(0x11, 11)]
    [InlineData(0x21, 35)]
    [InlineData(0x31, 215)]
    public void AV2AddressBlockTooShortForItsFamilyIsInvalid(byte familyProtocol, int length)
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(ProxyHeaders.V2(0x21, familyProtocol, new byte[length])).Status);
    }

    [Fact]
    public void AV2TlvRunningPastTheHeaderIsInvalid()
    {
        byte[] addresses = [.. ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2), 0x01, 0x00, 0x05, (byte)'h', (byte)'2'];

        Assert.Equal(ProxyParseStatus.Invalid, Parse(ProxyHeaders.V2(0x21, 0x11, addresses)).Status);
    }

    [Fact]
    public void AV2HeaderEndingInsideATlvHeadIsInvalid()
    {
        byte[] addresses = [.. ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2), 0x01, 0x00];

        Assert.Equal(ProxyParseStatus.Invalid, Parse(ProxyHeaders.V2(0x21, 0x11, addresses)).Status);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXX TCP4")]
    [InlineData("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("\r\n\r\n\0\r\nQUIX\n")]
    public void BytesThatAreNoSignatureAreNotProxyProtocol(string text)
    {
        Assert.Equal(ProxyParseStatus.NotProxyProtocol, Parse(Encoding.ASCII.GetBytes(text)).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(11)]
    public void APrefixOfASignatureNeedsMoreData(int length)
    {
        Assert.Equal(ProxyParseStatus.NeedMoreData, Parse(ProxyHeaders.V2Signature[..length]).Status);
        Assert.Equal(ProxyParseStatus.NeedMoreData, Parse("PROXY "u8.ToArray()[..Math.Min(length, 5)]).Status);
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void AHeaderCutShortAtAnyByteWaitsForMore(string name)
    {
        var header = Header(name);

        for (var length = 0; length < header.Length; length++)
        {
            var status = Parse(header[..length]).Status;
            Assert.True(status is ProxyParseStatus.NeedMoreData or ProxyParseStatus.Incomplete, $"{name} cut at {length}: {status}");
        }
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void AHeaderSplitAcrossSegmentsAtAnyByteParsesTheSame(string name)
    {
        byte[] bytes = [.. Header(name), .. Payload];
        var whole = ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(ProxyParseStatus.Parsed, whole.Status);

        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var split = ProxyHeaderParser.Parse(SegmentedSequence.Create(bytes, cut, cut + 1, cut + 7));
            Assert.Equal(ProxyParseStatus.Parsed, split.Status);
            Assert.Equal(whole.Length, split.Length);
            Assert.Equal(whole.Header!.SourceEndPoint, split.Header!.SourceEndPoint);
            Assert.Equal(whole.Header.DestinationEndPoint, split.Header.DestinationEndPoint);
            Assert.Equal(whole.Header.Tlvs.Count, split.Header.Tlvs.Count);
        }
    }

    private static byte[] Header(string name) => name switch
    {
        "v2-inet" => ProxyHeaders.V2(0x21, 0x11, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 51000, 8080)),
        "v2-inet6" => ProxyHeaders.V2(0x21, 0x21, ProxyHeaders.Inet("2001:db8::5", "2001:db8::1", 443, 80)),
        "v2-unix" => ProxyHeaders.V2(0x21, 0x31, ProxyHeaders.Unix("/a", "/b")),
        "v2-local" => ProxyHeaders.V2(0x20, 0x00, []),
        "v2-tlvs" => ProxyHeaders.V2(0x21, 0x11, ProxyHeaders.Inet("203.0.113.5", "10.0.0.1", 1, 2), (0x01, "h2"u8.ToArray()), (0x05, [1, 2, 3])),
        _ => ProxyHeaders.V1(name),
    };

    private static ProxyParseResult Parse(byte[] bytes) => ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(bytes));
}
