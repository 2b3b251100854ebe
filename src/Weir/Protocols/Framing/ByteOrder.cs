namespace Weir.Protocols.Framing;

/// <summary>The order of the bytes of a length header.</summary>
public enum ByteOrder
{
    /// <summary>Most significant byte first: network byte order.</summary>
    BigEndian,

    /// <summary>Least significant byte first.</summary>
    LittleEndian,
}
