using System.Net.Sockets;
using Weir.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

[Collection(nameof(RunsAloneWithDescriptors))]
public sealed class AllocationTests
{
    private const int Messages = 20_000;

    [Theory]
    [InlineData(EndpointKind.IPv4, false)]
    [InlineData(EndpointKind.IPv6, false)]
    [InlineData(EndpointKind.Unix, false)]
    [InlineData(EndpointKind.IPv4, true)]
    public async Task SteadyEchoAllocatesNothingPerMessage(EndpointKind kind, bool inline)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions { UnsafePreferInlineScheduling = inline });
        var (client, server) = await harness.ConnectPairAsync();
        var echo = EchoAsync(server);
        var message = new byte[64];
        var reply = new byte[64];

        await RoundTripsAsync(client, message, reply, 2_000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await RoundTripsAsync(client, message, reply, Messages);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // The whole process is measured (test runner included), so a little slack is allowed: far below one
        // small object per message.
        Assert.True(allocated < Messages * 4, $"{allocated} bytes allocated for {Messages} round trips.");
        client.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
    }

    private static async Task RoundTripsAsync(Socket client, byte[] message, byte[] reply, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(message, SocketFlags.None, TestContext.Current.CancellationToken);
            var read = 0;
            while (read < reply.Length)
            {
                read += await client.ReceiveAsync(reply.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task EchoAsync(SocketConnection connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                segment.Span.CopyTo(output.GetSpan(segment.Length));
                output.Advance(segment.Length);
            }

            input.AdvanceTo(result.Buffer.End);
            await output.FlushAsync();
            if (result.IsCompleted)
            {
                await output.CompleteAsync();
                return;
            }
        }
    }
}
