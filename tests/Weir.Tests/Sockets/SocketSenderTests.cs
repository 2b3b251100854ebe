using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

public sealed class SocketSenderTests
{
    [Fact]
    public async Task SeveralBuffersGoOutInOneSendCall()
    {
        var (sending, receiving) = await ConnectedPairAsync();
        using (sending)
        using (receiving)
        using (var sender = new SocketSender(PipeScheduler.Inline))
        {
            sender.Add(new byte[] { 1, 2, 3 });
            sender.Add(new byte[] { 4, 5 });
            sender.Add(new byte[] { 0, 6, 7, 8, 9 }.AsMemory(1));

            var result = await sender.SendAsync(sending);

            Assert.False(result.HasError);
            Assert.Equal(9, result.BytesTransferred);
            Assert.Equal(3, sender.BufferList!.Count);
            var received = new byte[9];
            var read = 0;
            while (read < received.Length)
            {
                read += await receiving.ReceiveAsync(received.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
            }

            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, received);

            sender.Reset();
            Assert.Null(sender.BufferList);
            Assert.Equal(0, sender.BufferCount);
        }
    }

    private static async Task<(Socket Sending, Socket Receiving)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var sending = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await sending.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken);
        var receiving = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        return (sending, receiving);
    }
}
