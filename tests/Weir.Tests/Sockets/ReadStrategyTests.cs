using System.Net.Sockets;
using Weir.Buffers;
using Weir.Sockets;

namespace Weir.Tests.Sockets;

public sealed class ReadStrategyTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task IdleConnectionHoldsNoBufferUntilDataArrives(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();

        Assert.Equal(0, harness.Transport.MemoryPool.LiveBlocks);

        await client.SendAsciiAsync("wake");
        Assert.Equal("wake"u8.ToArray(), await server.Transport.Input.ReadExactlyAsync(4));
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task WithoutWaitingForDataAnIdleConnectionRentsItsBufferAtOnce(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions { WaitForDataBeforeAllocatingBuffer = false });
        await harness.ConnectPairAsync();

        Assert.Equal(1, harness.Transport.MemoryPool.LiveBlocks);
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task BusyStreamReadsMoreThanOneSmallBlockPerCall(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();
        const int Size = 512 * 1024;

        await client.SendAsync(new byte[Size], SocketFlags.None, TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send);

        var largest = 0;
        long total = 0;
        while (true)
        {
            var result = await server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            foreach (var segment in result.Buffer)
            {
                largest = Math.Max(largest, segment.Length);
            }

            total += result.Buffer.Length;
            server.Transport.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal(Size, total);
        Assert.True(largest > PinnedBlockMemoryPool.BlockSize, $"The largest read was {largest} bytes.");
    }
}
