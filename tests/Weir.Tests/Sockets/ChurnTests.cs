using System.Net.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

[Collection(nameof(RunsAloneWithDescriptors))]
public sealed class ChurnTests
{
    private const int Cycles = 1000;

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task AThousandConnectExchangeCloseCyclesLeakNoDescriptorAndNoBlock(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);

        // The runtime opens some descriptors lazily on first use; a few cycles first keep them out of the count.
        await RunCyclesAsync(harness, 10);
        var before = OpenDescriptors();

        await RunCyclesAsync(harness, Cycles);

        Assert.InRange(OpenDescriptors(), 0, before);
        Assert.Equal(0, harness.Transport.MemoryPool.LiveBlocks);
    }

    private static async Task RunCyclesAsync(TransportHarness harness, int cycles)
    {
        var message = new byte[1024];
        var reply = new byte[message.Length];
        for (var i = 0; i < cycles; i++)
        {
            var accept = harness.Listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
            using (var client = TransportHarness.CreateClientSocket(harness.Listener.EndPoint))
            {
                await client.ConnectAsync(harness.Listener.EndPoint, TestContext.Current.CancellationToken);
                var server = (SocketConnection)(await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken))!;
                var echo = EchoAndDisposeAsync(server);

                await client.SendAsync(message, SocketFlags.None, TestContext.Current.CancellationToken);
                var read = 0;
                while (read < reply.Length)
                {
                    read += await client.ReceiveAsync(reply.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken);
                }

                client.Shutdown(SocketShutdown.Send);
                await echo.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task EchoAndDisposeAsync(SocketConnection connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await connection.Transport.Output.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await connection.DisposeAsync();
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
