using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Tests.Sockets;

public sealed class AbortAndResetTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task AbortResetsTheConnectionAndCompletesBothPipesWithConnectionAborted(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();
        var pendingRead = server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask();

        server.Abort(new ConnectionAbortedException("test abort"));

        var inputError = await Assert.ThrowsAsync<ConnectionAbortedException>(() => pendingRead.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        Assert.Equal("test abort", inputError.Message);
        await Assert.ThrowsAsync<ConnectionAbortedException>(
            () => server.Transport.Output.WriteAsync(new byte[1], TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        Assert.Equal(ConnectionCloseReason.LocalAborted, server.Features.Get<IConnectionCloseReasonFeature>()!.Reason);

        if (kind == EndpointKind.Unix)
        {
            // A Unix socket has no RST: the peer sees the end of the stream.
            Assert.Equal(string.Empty, await client.ReceiveToEndAsync());
        }
        else
        {
            var reset = await Assert.ThrowsAsync<SocketException>(() => client.ReceiveToEndAsync());
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task AbortWakesAReceiveLoopHeldByBackpressure(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new() { MaxReadBufferSize = 4096 });
        var (client, server) = await harness.ConnectPairAsync();
        await client.SendAsync(new byte[64 * 1024], SocketFlags.None, TestContext.Current.CancellationToken);
        var buffered = await server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken);
        server.Transport.Input.AdvanceTo(buffered.Buffer.Start, buffered.Buffer.End);

        server.Abort();

        // Bytes the loop had already flushed may still be read first; after them comes the abort, never a hang.
        await Assert.ThrowsAsync<ConnectionAbortedException>(async () =>
        {
            while (true)
            {
                var result = await server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                server.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        });
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task PeerResetCompletesInputWithConnectionResetAndFiresConnectionClosed(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ConnectionClosed.Register(closed.SetResult);

        // Closing with unread data (and linger 0 on TCP) makes the kernel reset instead of sending FIN.
        await server.Transport.Output.WriteAsciiAsync("unread");
        Assert.True(client.Poll(TransportHarness.Guard, SelectMode.SelectRead));
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        await Assert.ThrowsAsync<ConnectionResetException>(() => server.Transport.Input.ReadToEndAsync());
        await closed.Task.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal(ConnectionCloseReason.PeerReset, server.Features.Get<IConnectionCloseReasonFeature>()!.Reason);
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task CompletingOutputWithAnErrorResetsTheConnection(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();

        await server.Transport.Output.CompleteAsync(new InvalidOperationException("handler failed"));

        await Assert.ThrowsAsync<ConnectionAbortedException>(() => server.Transport.Input.ReadToEndAsync());
        if (kind != EndpointKind.Unix)
        {
            var reset = await Assert.ThrowsAsync<SocketException>(() => client.ReceiveToEndAsync());
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task AbortRacingWithDisposeClosesTheSocketOnceAndReturnsEveryBlock(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();
        await client.SendAsciiAsync("data");
        await server.Transport.Input.ReadExactlyAsync(2);
        var fired = 0;
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ConnectionClosed.Register(() =>
        {
            Interlocked.Increment(ref fired);
            closed.TrySetResult();
        });

        var aborts = Enumerable.Range(0, 4).Select(_ => Task.Run(server.Abort, TestContext.Current.CancellationToken));
        await Task.WhenAll([.. aborts, server.DisposeAsync().AsTask()]).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        await server.DisposeAsync();

        Assert.True(server.Socket.SafeHandle.IsClosed);
        Assert.Equal(0, harness.Transport.MemoryPool.LiveBlocks);
        await closed.Task.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal(1, fired);
    }
}
