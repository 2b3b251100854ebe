using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

public sealed class SocketSenderTests
{
    [Fact]
    public async Task MultiSegmentSequenceGoesOutInOneSendCall()
    {
        var (sending, receiving) = await ConnectedPairAsync();
        using (sending)
        using (receiving)
        using (var sender = new SocketSender(PipeScheduler.Inline))
        {
            var first = new Segment(new byte[] { 1, 2, 3 });
            var last = first.Append(new byte[] { 4, 5 }).Append(new byte[] { 6, 7, 8, 9 });
            var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

            var result = await sender.SendAsync(sending, sequence);

            Assert.False(result.HasError);
            Assert.Equal(9, result.BytesTransferred);
            var received = new byte[9];
            var read = 0;
            while (read < received.Length)
            {
                read += await receiving.ReceiveAsync(received.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
            }

            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, received);

            sender.Reset();
            Assert.Null(sender.BufferList);
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

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory)
        {
            Memory = memory;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
