using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Sockets;
using Weir.Sockets.Internal.EventLoops;

namespace Weir.Tests.Sockets;

public sealed class EventLoopTests
{
    private const string LoopThreadPrefix = "Weir event loop";

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.Unix)]
    public async Task TheApplicationContinuesOnTheEventLoopByDefault(EndpointKind kind)
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions());

        var thread = await ThreadThatContinuesAReadAsync(harness);

        Assert.StartsWith(LoopThreadPrefix, thread.Name);
        Assert.False(thread.IsThreadPoolThread);
    }

    [Fact]
    public async Task WithRunApplicationOnEventLoopOffTheApplicationContinuesOnTheThreadPool()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(
            EndpointKind.IPv4, new SocketTransportOptions { RunApplicationOnEventLoop = false });

        var thread = await ThreadThatContinuesAReadAsync(harness);

        Assert.True(thread.IsThreadPoolThread);
    }

    [Fact]
    public async Task WithoutEventLoopsTheRuntimesEngineCarriesTheConnection()
    {
        await using var harness = await TransportHarness.StartAsync(
            EndpointKind.IPv4, new SocketTransportOptions { EventLoopCount = 0 });

        var thread = await ThreadThatContinuesAReadAsync(harness);

        Assert.True(thread.IsThreadPoolThread);
        Assert.DoesNotContain(LoopThreadPrefix, thread.Name ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionsTakeTheLoopsInTurn()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(
            EndpointKind.IPv4, new SocketTransportOptions { EventLoopCount = 2 });

        var first = await ThreadThatContinuesAReadAsync(harness);
        var second = await ThreadThatContinuesAReadAsync(harness);

        Assert.Equal([$"{LoopThreadPrefix} 0", $"{LoopThreadPrefix} 1"], new[] { first.Name, second.Name }.Order());
    }

    [Fact]
    public async Task DisposingTheTransportWakesAReadWaitingOnItsLoop()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (_, server) = await harness.ConnectPairAsync();
        var read = server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(read.IsCompleted);

        await harness.Transport.DisposeAsync().AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

        var woken = await Record.ExceptionAsync(() => read.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        Assert.IsNotType<TimeoutException>(woken);
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task AnAcceptThatWaitedContinuesOnTheEventLoop()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4, new SocketTransportOptions());
        var accept = harness.Listener.AcceptAsync(TestContext.Current.CancellationToken);
        Assert.False(accept.IsCompleted);

        var observed = ContinueAsync(accept);
        await harness.ConnectAsync();
        var thread = await observed.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

        Assert.StartsWith(LoopThreadPrefix, thread.Name);
    }

    [Fact]
    public async Task UnbindingEndsAnAcceptWaitingOnTheEventLoop()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4, new SocketTransportOptions());
        var accept = harness.Listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(accept.IsCompleted);

        await harness.Listener.UnbindAsync(TestContext.Current.CancellationToken);

        Assert.Null(await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WithTheApplicationOnTheThreadPoolAHandlerMayBlockWithoutStallingItsLoop()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        await using var harness = await TransportHarness.StartAsync(
            EndpointKind.IPv4, new SocketTransportOptions { EventLoopCount = 1, RunApplicationOnEventLoop = false });
        var (firstClient, firstServer) = await harness.ConnectPairAsync();
        var (secondClient, secondServer) = await harness.ConnectPairAsync();
        using var secondHasRead = new ManualResetEventSlim();
        var firstIsBlocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The first handler blocks until the second has read: on the one loop both share, that would never come.
        var first = ReadThenBlockAsync(firstServer.Transport.Input, firstIsBlocking, secondHasRead);
        var second = ReadThenSignalAsync(secondServer.Transport.Input, secondHasRead);
        await firstClient.SendAsciiAsync("a");
        await firstIsBlocking.Task.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        await secondClient.SendAsciiAsync("b");

        await second.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.True(await first.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ANegativeEventLoopCountFailsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SocketTransport(new SocketTransportOptions { EventLoopCount = -1 }));

        Assert.Contains(nameof(SocketTransportOptions.EventLoopCount), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralBuffersGoOutInOneGatheredSend()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        var (sending, receiving) = await TransportHarness.ConnectedTcpPairAsync();
        using var loop = EpollLoop.Start(0, NullLogger.Instance);
        using (sending)
        using (receiving)
        {
            var socket = new EpollSocket(sending, loop);
            var send = socket.RentSend();
            send.Add(new byte[] { 1, 2, 3 });
            send.Add(new byte[] { 4, 5 });
            send.Add(new byte[] { 0, 6, 7, 8, 9 }.AsMemory(1));

            var result = await socket.SendAsync(send);
            socket.ReturnSend(send);

            Assert.False(result.HasError);
            Assert.Equal(9, result.BytesTransferred);
            Assert.Equal(0, send.BufferCount);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, await receiving.ReceiveExactlyAsync(9));
        }
    }

    [Fact]
    public async Task ASendTheSocketCannotTakeAtOnceGoesOnWhenThePeerReads()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "Event loops need Linux with glibc.");
        var (sending, receiving) = await TransportHarness.ConnectedTcpPairAsync();
        using var loop = EpollLoop.Start(0, NullLogger.Instance);
        using (sending)
        using (receiving)
        {
            // Far more than the two kernels' buffers hold while nobody reads.
            var payload = new byte[32 * 1024 * 1024];
            Random.Shared.NextBytes(payload);
            var socket = new EpollSocket(sending, loop);
            var send = socket.RentSend();
            send.Add(payload.AsMemory(0, payload.Length / 2));
            send.Add(payload.AsMemory(payload.Length / 2));

            var sendTask = socket.SendAsync(send).AsTask();
            Assert.False(sendTask.IsCompleted);

            var received = await receiving.ReceiveExactlyAsync(payload.Length);
            var result = await sendTask.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

            Assert.False(result.HasError);
            Assert.Equal(payload.Length, result.BytesTransferred);
            Assert.True(payload.AsSpan().SequenceEqual(received));
        }
    }

    private static async Task<Thread> ThreadThatContinuesAReadAsync(TransportHarness harness)
    {
        var (client, server) = await harness.ConnectPairAsync();
        var read = server.Transport.Input.ReadAsync(TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted);

        // The continuation is attached before any data exists, so it runs where the read completes.
        var observed = ContinueAsync(read, server.Transport.Input);
        await client.SendAsciiAsync("x");
        return await observed.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
    }

    private static async Task<Thread> ContinueAsync(ValueTask<ReadResult> read, PipeReader input)
    {
        var result = await read.ConfigureAwait(false);
        var thread = Thread.CurrentThread;
        input.AdvanceTo(result.Buffer.End);
        return thread;
    }

    private static async Task<bool> ReadThenBlockAsync(PipeReader input, TaskCompletionSource blocking, ManualResetEventSlim release)
    {
        var result = await input.ReadAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        input.AdvanceTo(result.Buffer.End);
        blocking.SetResult();
        return release.Wait(TransportHarness.Guard, TestContext.Current.CancellationToken);
    }

    private static async Task ReadThenSignalAsync(PipeReader input, ManualResetEventSlim signal)
    {
        var result = await input.ReadAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        input.AdvanceTo(result.Buffer.End);
        signal.Set();
    }

    private static async Task<Thread> ContinueAsync(ValueTask<ConnectionContext?> accept)
    {
        await using var connection = await accept.ConfigureAwait(false);
        return Thread.CurrentThread;
    }
}
