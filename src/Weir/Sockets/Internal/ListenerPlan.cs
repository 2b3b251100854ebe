using System.Net;

namespace Weir.Sockets.Internal;

/// <summary>How one bind listens: how many sockets, and whether they set <c>SO_REUSEPORT</c>.</summary>
internal readonly record struct ListenerPlan(int SocketCount, bool ReusePort)
{
    /// <summary>Checks the listening options for <paramref name="endPoint"/>, failing with a message that names the setting.</summary>
    public static ListenerPlan For(EndPoint endPoint, SocketTransportOptions options, bool isLinux)
    {
        if (options.AcceptSocketCount < 1)
        {
            throw new InvalidOperationException(
                $"{nameof(SocketTransportOptions)}.{nameof(SocketTransportOptions.AcceptSocketCount)} must be at least 1; it is {options.AcceptSocketCount}.");
        }

        // SO_REUSEPORT means nothing to Unix domain sockets: they always get one plain socket.
        if (endPoint is not IPEndPoint)
        {
            return new ListenerPlan(1, ReusePort: false);
        }

        if (!isLinux && options.AcceptSocketCount > 1)
        {
            throw new PlatformNotSupportedException(
                $"{nameof(SocketTransportOptions)}.{nameof(SocketTransportOptions.AcceptSocketCount)} is {options.AcceptSocketCount}, " +
                "but several accept sockets on one port need SO_REUSEPORT, which Weir supports on Linux only; set it to 1 here.");
        }

        if (!isLinux && options.ReusePort)
        {
            throw new PlatformNotSupportedException(
                $"{nameof(SocketTransportOptions)}.{nameof(SocketTransportOptions.ReusePort)} asks for SO_REUSEPORT, " +
                "which Weir supports on Linux only; turn it off here.");
        }

        return new ListenerPlan(options.AcceptSocketCount, options.ReusePort || options.AcceptSocketCount > 1);
    }
}
