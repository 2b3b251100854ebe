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
        var (sending, receiving) = await TransportHarness.ConnectedTcpPairAsync();
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
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, await receiving.ReceiveExactlyAsync(9));

            sender.Reset();
            Assert.Null(sender.BufferList);
            Assert.Equal(0, sender.BufferCount);
        }
    }
}
