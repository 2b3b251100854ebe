using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Weir.Sockets.Internal.EventLoops;

/// <summary>The Linux system calls the event loops make themselves: epoll, eventfd, and non-blocking socket I/O.</summary>
internal static unsafe partial class Libc
{
    public const int EpollIn = 0x001;
    public const int EpollOut = 0x004;
    public const int EpollErr = 0x008;
    public const int EpollHup = 0x010;
    public const int EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    public const int EpollCtlAdd = 1;
    public const int EpollCloexec = 0x80000;
    public const int EventFdNonBlock = 0x800;
    public const int EventFdCloexec = 0x80000;
    public const int MsgNoSignal = 0x4000;
    public const nuint FionBio = 0x5421;

    public const int EIntr = 4;
    public const int EAgain = 11;

    // struct epoll_event is packed to 12 bytes on x86-64 and naturally aligned (16) elsewhere.
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    // libc.so is often a linker script, not a library; the soname is what dlopen can load.
    private const string Library = "libc.so.6";

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* @event);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    // ioctl is variadic; with an int pointer as its one extra argument the call is the same as a fixed one on
    // the 64-bit Linux ABIs (integer registers only).
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt(int fd, nuint request, int* argument);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    /// <summary>Writes one <c>struct epoll_event</c> at <paramref name="address"/>.</summary>
    public static void WriteEpollEvent(byte* address, uint events, ulong data)
    {
        *(uint*)address = events;
        Unsafe.WriteUnaligned(address + EpollDataOffset, data);
    }

    /// <summary>What a socket call's <c>errno</c> means to a connection.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EAgain => SocketError.WouldBlock,
        9 => SocketError.OperationAborted, // EBADF: closed under the call
        32 => SocketError.Shutdown, // EPIPE: sending after FIN, or after the peer's reset was taken
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        107 => SocketError.NotConnected,
        110 => SocketError.TimedOut,
        101 => SocketError.NetworkUnreachable,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IOVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (LP64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IOVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
