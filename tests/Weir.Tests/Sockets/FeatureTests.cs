using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Weir.Diagnostics;
using Weir.Sockets;

namespace Weir.Tests.Sockets;

public sealed class FeatureTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task ConnectionExposesTheFeaturesAUserExpects(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (_, server) = await harness.ConnectPairAsync();
        var features = server.Features;

        Assert.Equal(server.ConnectionId, features.Get<IConnectionIdFeature>()!.ConnectionId);
        Assert.Same(server.Items, features.Get<IConnectionItemsFeature>()!.Items);
        Assert.Equal(server.RemoteEndPoint, features.Get<IConnectionEndPointFeature>()!.RemoteEndPoint);
        Assert.Equal(server.ConnectionClosed, features.Get<IConnectionLifetimeFeature>()!.ConnectionClosed);
        Assert.Same(server.Transport, features.Get<IConnectionTransportFeature>()!.Transport);
        Assert.IsType<Socket>(features.Get<IConnectionSocketFeature>()!.Socket);
        Assert.Same(harness.Transport.MemoryPool, features.Get<IMemoryPoolFeature>()!.MemoryPool);
        Assert.NotNull(features.Get<IConnectionLifetimeNotificationFeature>());
        Assert.NotNull(features.Get<IConnectionTransferFeature>());
        Assert.Equal(ConnectionCloseReason.Unknown, features.Get<IConnectionCloseReasonFeature>()!.Reason);
    }

    [Fact]
    public async Task ConnectionIdsAreUnique()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (_, first) = await harness.ConnectPairAsync();
        var (_, second) = await harness.ConnectPairAsync();

        Assert.NotEqual(first.ConnectionId, second.ConnectionId);
    }

    [Fact]
    public async Task TransferFeatureCountsTheBytesBothWays()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (client, server) = await harness.ConnectPairAsync();
        var transfer = server.Features.Get<IConnectionTransferFeature>()!;

        await client.SendAsciiAsync("12345");
        await server.Transport.Input.ReadExactlyAsync(5);
        await server.Transport.Output.WriteAsciiAsync("abc");
        await client.ReceiveAsciiAsync(3);

        Assert.Equal(5, transfer.BytesReceived);
        Assert.Equal(3, transfer.BytesSent);
    }

    [Fact]
    public async Task RequestCloseSignalsConnectionClosedRequested()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (_, server) = await harness.ConnectPairAsync();
        var notification = server.Features.Get<IConnectionLifetimeNotificationFeature>()!;

        Assert.False(notification.ConnectionClosedRequested.IsCancellationRequested);
        notification.RequestClose();
        Assert.True(notification.ConnectionClosedRequested.IsCancellationRequested);
    }

    [Fact]
    public async Task SettingAFeatureReplacesTheConnectionsOwn()
    {
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4);
        var (_, server) = await harness.ConnectPairAsync();
        var replacement = new ConnectionCloseReasonFeature();
        var revision = server.Features.Revision;

        server.Features.Set<IConnectionCloseReasonFeature>(replacement);
        server.Features.Set<IConnectionSocketFeature>(null);

        Assert.Same(replacement, server.Features.Get<IConnectionCloseReasonFeature>());
        Assert.Null(server.Features.Get<IConnectionSocketFeature>());
        Assert.True(server.Features.Revision > revision);
        Assert.DoesNotContain(server.Features, f => f.Key == typeof(IConnectionSocketFeature));
    }
}
