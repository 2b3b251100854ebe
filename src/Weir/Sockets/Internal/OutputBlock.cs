using System.Buffers;

namespace Weir.Sockets.Internal;

/// <summary>A block of a <see cref="SocketOutput"/>: bytes <c>[Start, End)</c> are written and not yet sent.</summary>
internal struct OutputBlock(IMemoryOwner<byte> owner)
{
    public readonly IMemoryOwner<byte> Owner = owner;

    // Cached: the owner's Memory is an interface call, and this is read on every write.
    public readonly Memory<byte> Memory = owner.Memory;

    public int Start;

    public int End;
}
