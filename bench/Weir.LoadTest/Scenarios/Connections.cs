using System.Net;
using System.Net.Sockets;

namespace Weir.LoadTest.Scenarios;

/// <summary>Socket helpers the load workers share.</summary>
internal static class Connections
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<Socket[]> ConnectManyAsync(IPEndPoint endPoint, int count, CancellationToken cancellationToken)
    {
        var sockets = new Socket[count];
        for (var i = 0; i < count; i++)
        {
            sockets[i] = await ConnectAsync(endPoint, cancellationToken);
        }

        return sockets;
    }

    /// <summary>Fills <paramref name="buffer"/> from the socket; false if the peer closed first.</summary>
    public static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var received = 0;
        while (received < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[received..], SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return false;
            }

            received += n;
        }

        return true;
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken);
            buffer = buffer[n..];
        }
    }
}
