using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>
/// The binary header: a 12-byte signature, version and command, family and protocol, a big-endian length, then
/// the addresses and the TLVs. The header (not the data after it) is copied once into an array, so the TLVs the
/// feature exposes outlive the pipe's buffers.
/// </summary>
internal static class ProxyHeaderV2Parser
{
    private const int FixedLength = 16;
    private const int InetLength = 12;
    private const int Inet6Length = 36;
    private const int UnixLength = 216;
    private const int UnixPathLength = 108;

    public static ProxyParseResult Parse(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < FixedLength)
        {
            return ProxyParseResult.Incomplete;
        }

        Span<byte> fixedPart = stackalloc byte[FixedLength];
        buffer.Slice(0, FixedLength).CopyTo(fixedPart);

        var version = fixedPart[12] >> 4;
        var command = fixedPart[12] & 0x0f;
        var family = fixedPart[13] >> 4;
        var protocol = fixedPart[13] & 0x0f;
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);

        if (version != 2)
        {
            return ProxyParseResult.Invalid($"v2 signature with version {version}");
        }

        if (command > 1)
        {
            return ProxyParseResult.Invalid($"v2 header with unknown command {command}");
        }

        if (buffer.Length < FixedLength + length)
        {
            return ProxyParseResult.Incomplete;
        }

        var total = FixedLength + length;
        if (command == 0)
        {
            // LOCAL: the proxy's own connection (a health check); its address block is ignored, as the specification says.
            return ProxyParseResult.Parsed(new ProxyProtocolFeature { Version = 2, Command = ProxyProtocolCommand.Local }, total);
        }

        if (family > 3 || protocol > 2)
        {
            return ProxyParseResult.Invalid($"v2 header with unknown family {family} or protocol {protocol}");
        }

        var header = new byte[total];
        buffer.Slice(0, total).CopyTo(header);
        return ParseProxy(header, family, protocol);
    }

    private static ProxyParseResult ParseProxy(byte[] header, int family, int protocol)
    {
        var block = header.AsSpan(FixedLength);
        var addressLength = family switch
        {
            1 => InetLength,
            2 => Inet6Length,
            3 => UnixLength,
            _ => 0,
        };

        if (block.Length < addressLength)
        {
            return ProxyParseResult.Invalid($"v2 address block of {block.Length} bytes is too short for family {family}");
        }

        if (family != 0 && protocol == 2)
        {
            return ProxyParseResult.Invalid("v2 header carries datagram addresses on a stream connection");
        }

        EndPoint? source = null;
        EndPoint? destination = null;
        switch (family)
        {
            case 1:
                source = new IPEndPoint(new IPAddress(block[..4]), BinaryPrimitives.ReadUInt16BigEndian(block[8..]));
                destination = new IPEndPoint(new IPAddress(block[4..8]), BinaryPrimitives.ReadUInt16BigEndian(block[10..]));
                break;
            case 2:
                source = new IPEndPoint(new IPAddress(block[..16]), BinaryPrimitives.ReadUInt16BigEndian(block[32..]));
                destination = new IPEndPoint(new IPAddress(block[16..32]), BinaryPrimitives.ReadUInt16BigEndian(block[34..]));
                break;
            case 3:
                source = UnixEndPoint(block[..UnixPathLength]);
                destination = UnixEndPoint(block[UnixPathLength..UnixLength]);
                break;
            default:
                // UNSPEC: the receiver keeps the real endpoints and ignores the whole block.
                return ProxyParseResult.Parsed(new ProxyProtocolFeature { Version = 2, Command = ProxyProtocolCommand.Proxy }, header.Length);
        }

        var tlvStart = FixedLength + addressLength;
        var error = ReadTlvs(header, tlvStart, out var tlvs);
        if (error is not null)
        {
            return ProxyParseResult.Invalid(error);
        }

        ReadOnlyMemory<byte> alpn = default;
        ReadOnlyMemory<byte> uniqueId = default;
        string? authority = null;
        foreach (var tlv in tlvs)
        {
            switch (tlv.Type)
            {
                case ProxyProtocolTlvTypes.Alpn:
                    alpn = tlv.Value;
                    break;
                case ProxyProtocolTlvTypes.Authority:
                    authority = Encoding.UTF8.GetString(tlv.Value.Span);
                    break;
                case ProxyProtocolTlvTypes.UniqueId:
                    uniqueId = tlv.Value;
                    break;
                case ProxyProtocolTlvTypes.Crc32C when !ChecksumMatches(header, tlv):
                    return ProxyParseResult.Invalid("v2 header fails its CRC-32C check");
            }
        }

        return ProxyParseResult.Parsed(
            new ProxyProtocolFeature
            {
                Version = 2,
                Command = ProxyProtocolCommand.Proxy,
                SourceEndPoint = source,
                DestinationEndPoint = destination,
                ApplicationProtocol = alpn,
                Authority = authority,
                UniqueId = uniqueId,
                Tlvs = tlvs,
            },
            header.Length);
    }

    private static string? ReadTlvs(byte[] header, int start, out List<ProxyProtocolTlv> tlvs)
    {
        tlvs = [];
        var offset = start;
        while (offset < header.Length)
        {
            if (header.Length - offset < 3)
            {
                return "v2 header ends inside a TLV's type and length";
            }

            var type = header[offset];
            var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(offset + 1));
            offset += 3;
            if (header.Length - offset < length)
            {
                return $"v2 TLV 0x{type:x2} of {length} bytes runs past the header";
            }

            tlvs.Add(new ProxyProtocolTlv(type, header.AsMemory(offset, length)));
            offset += length;
        }

        return null;
    }

    private static bool ChecksumMatches(byte[] header, ProxyProtocolTlv tlv)
    {
        if (tlv.Value.Length != 4)
        {
            return false;
        }

        // The checksum covers the whole header with its own value taken as zeros.
        var expected = BinaryPrimitives.ReadUInt32BigEndian(tlv.Value.Span);
        var crcStart = MemoryMarshal.TryGetArray(tlv.Value, out var segment) ? segment.Offset : -1;
        var crc = uint.MaxValue;
        for (var i = 0; i < header.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, i >= crcStart && i < crcStart + 4 ? (byte)0 : header[i]);
        }

        return ~crc == expected;
    }

    private static UnixDomainSocketEndPoint? UnixEndPoint(ReadOnlySpan<byte> path)
    {
        var end = path.IndexOf((byte)0);
        var name = end < 0 ? path : path[..end];
        return name.IsEmpty ? null : new UnixDomainSocketEndPoint(Encoding.UTF8.GetString(name));
    }
}
