using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Text;

namespace Weir.Tests.Middleware.ProxyProtocol;

/// <summary>Hand-made PROXY headers, built byte by byte from the specification rather than by the code under test.</summary>
internal static class ProxyHeaders
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    /// <summary>A v2 header: <paramref name="versionCommand"/> and <paramref name="familyProtocol"/> as sent, then the block.</summary>
    public static byte[] V2(byte versionCommand, byte familyProtocol, byte[] addresses, params (byte Type, byte[] Value)[] tlvs)
    {
        var block = new List<byte>(addresses);
        foreach (var (type, value) in tlvs)
        {
            block.Add(type);
            block.Add((byte)(value.Length >> 8));
            block.Add((byte)value.Length);
            block.AddRange(value);
        }

        var header = new byte[16 + block.Count];
        V2Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = familyProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)block.Count);
        block.CopyTo(header, 16);
        return header;
    }

    public static byte[] Inet(string source, string destination, ushort sourcePort, ushort destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(), .. Port(sourcePort), .. Port(destinationPort)];

    public static byte[] Unix(string source, string destination)
    {
        var block = new byte[216];
        Encoding.UTF8.GetBytes(source).CopyTo(block, 0);
        Encoding.UTF8.GetBytes(destination).CopyTo(block, 108);
        return block;
    }

    /// <summary>A v2 PROXY TCP/IPv4 header ending in a CRC-32C TLV, computed here with the field as zeros.</summary>
    public static byte[] V2WithChecksum(bool corrupt)
    {
        var header = V2(0x21, 0x11, Inet("192.0.2.1", "192.0.2.2", 1000, 2000), (0x03, new byte[4]));
        var crc = uint.MaxValue;
        foreach (var b in header)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), ~crc ^ (corrupt ? 1u : 0u));
        return header;
    }

    private static byte[] Port(ushort port) => [(byte)(port >> 8), (byte)port];
}
