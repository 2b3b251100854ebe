using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Weir.Tests.Sockets;

/// <summary>The connection's input reads like a pipe: examined bytes, cancellation, and blocks given back.</summary>
public sealed class InputReadingTests
{
    [Fact]
    public async Task ExaminingEverythingMakesTheNextReadWaitForNewBytes()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var input = server.Transport.Input;
        await client.SendAsciiAsync("ab");
        var first = await ReadAtLeastAsync(input, 2);
        input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        var next = input.ReadAsync(TestContext.Current.CancellationToken);
        Assert.False(next.IsCompleted);

        await client.SendAsciiAsync("c");
        var second = await next.AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal("abc", Encoding.ASCII.GetString(second.Buffer));
        input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task BytesNotYetExaminedAreReturnedAgainAtOnce()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var input = server.Transport.Input;
        await client.SendAsciiAsync("hello");
        var first = await ReadAtLeastAsync(input, 5);

        // Consume one byte, examine two: three are new to the reader, so the next read does not wait.
        input.AdvanceTo(first.Buffer.GetPosition(1), first.Buffer.GetPosition(2));
        Assert.True(input.TryRead(out var again));
        Assert.Equal("ello", Encoding.ASCII.GetString(again.Buffer));
        input.AdvanceTo(again.Buffer.End);
    }

    [Fact]
    public async Task CancelPendingReadWakesAWaitingReadWithoutEndingTheInput()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var input = server.Transport.Input;
        var pending = input.ReadAsync(TestContext.Current.CancellationToken);

        input.CancelPendingRead();

        var canceled = await pending.AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.True(canceled.IsCanceled);
        Assert.False(canceled.IsCompleted);
        input.AdvanceTo(canceled.Buffer.End);
        await client.SendAsciiAsync("still here");
        Assert.Equal("still here"u8.ToArray(), await input.ReadExactlyAsync(10));
    }

    [Fact]
    public async Task ACancelledTokenEndsTheWaitingReadAndTheNextReadGetsTheData()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var input = server.Transport.Input;
        using var cancel = new CancellationTokenSource();
        var pending = input.ReadAsync(cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        await client.SendAsciiAsync("next");
        Assert.Equal("next"u8.ToArray(), await input.ReadExactlyAsync(4));
    }

    [Fact]
    public async Task ConsumedBlocksGoBackToThePoolSoAnIdleConnectionHoldsNone()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var input = server.Transport.Input;

        for (var message = 0; message < 3; message++)
        {
            await client.SendAsciiAsync("ping");
            Assert.Equal("ping"u8.ToArray(), await input.ReadExactlyAsync(4));

            // A short read did not fill its buffer, so the receive loop waits for data holding nothing, and the
            // reader gave its block back when it consumed the bytes.
            Assert.Equal(0, harness.Transport.MemoryPool.LiveBlocks);
        }
    }

    private static async Task<ReadResult> ReadAtLeastAsync(PipeReader input, int count)
    {
        while (true)
        {
            var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask()
                .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            if (result.Buffer.Length >= count)
            {
                return result;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
