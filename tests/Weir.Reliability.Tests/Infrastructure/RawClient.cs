using System.Net;
using System.Net.Sockets;

namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>Plain loopback sockets as peers: connect, send, read exactly, read to the end, reset.</summary>
internal static class RawClient
{
    public static async Task<Socket> ConnectAsync(EndPoint endPoint, Action<Socket>? configure = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            configure?.Invoke(socket);
            await socket.ConnectAsync(endPoint, Guard.Token).AsTask().Within();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, Guard.Token);
            data = data[sent..];
        }
    }

    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, Guard.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"The peer closed after {read} of {count} bytes.");
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>Reads until the peer closes; a reset ends the read like a FIN, and is reported.</summary>
    public static async Task<(long Bytes, bool Reset)> DrainAsync(this Socket socket, Memory<byte>? scratch = null)
    {
        var buffer = scratch ?? new byte[16 * 1024];
        long total = 0;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, Guard.Token);
                if (n == 0)
                {
                    return (total, false);
                }

                total += n;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return (total, true);
        }
    }

    /// <summary>Closes with linger 0, so the server sees RST instead of FIN.</summary>
    public static void Reset(this Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }
}
