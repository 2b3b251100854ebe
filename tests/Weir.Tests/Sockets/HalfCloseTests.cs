using System.Net.Sockets;
using Weir.Diagnostics;

namespace Weir.Tests.Sockets;

public sealed class HalfCloseTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task PeerFinCompletesInputWhileOutputKeepsWorking(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();

        await client.SendAsciiAsync("request");
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("request", await server.Transport.Input.ReadToEndAsync());
        await server.Transport.Output.WriteAsciiAsync("response");
        await server.Transport.Output.CompleteAsync();

        Assert.Equal("response", await client.ReceiveToEndAsync());
        Assert.Equal(ConnectionCloseReason.PeerClosed, server.Features.Get<IConnectionCloseReasonFeature>()!.Reason);
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task CompletingOutputSendsFinAndKeepsReading(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();

        await server.Transport.Output.WriteAsciiAsync("goodbye");
        await server.Transport.Output.CompleteAsync();
        Assert.Equal("goodbye", await client.ReceiveToEndAsync());

        await client.SendAsciiAsync("still here");
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("still here", await server.Transport.Input.ReadToEndAsync());
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task ConnectionClosedFiresOnceBothDirectionsHaveEnded(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fired = 0;
        server.ConnectionClosed.Register(() =>
        {
            Interlocked.Increment(ref fired);
            closed.SetResult();
        });

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await server.Transport.Input.ReadToEndAsync());
        Assert.False(server.ConnectionClosed.IsCancellationRequested);

        await server.Transport.Output.CompleteAsync();
        await closed.Task.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal(1, fired);
        Assert.True(server.Socket.SafeHandle.IsClosed);
    }
}
