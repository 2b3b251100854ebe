using System.Text;
using LengthPrefixedRpc;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Rpc;

/// <summary>The RPC server on Weir's sockets, as the sample serves it, called by the sample's client on ClientBuilder.UseSockets().</summary>
public sealed class RpcSocketTests
{
    [Fact]
    public async Task ManyOverlappingCallsFromSeveralClientsEachGetTheirOwnAnswer()
    {
        await using var server = await SampleSocketServer.StartAsync(new RpcServerHandler(RpcMethods.CreateSample(TimeProvider.System)).OnConnectedAsync);
        await using var factory = new ClientBuilder().UseSockets().Build();

        var clients = Enumerable.Range(0, 4).Select(async c =>
        {
            await using var client = await RpcClient.ConnectAsync(factory, server.EndPoint, TestContext.Current.CancellationToken);
            var calls = Enumerable.Range(0, 250).Select(async i =>
            {
                var body = Encoding.UTF8.GetBytes($"client {c} call {i} " + new string('z', i * 37 % 3000));
                var reversed = await client.CallAsync("reverse", body, TestContext.Current.CancellationToken);
                Assert.Equal(body.Reverse(), reversed);
            });
            await Task.WhenAll(calls);
        });

        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task AMalformedFrameClosesOnlyThatConnection()
    {
        await using var server = await SampleSocketServer.StartAsync(new RpcServerHandler(RpcMethods.CreateSample(TimeProvider.System)).OnConnectedAsync);
        await using var factory = new ClientBuilder().UseSockets().Build();
        await using var healthy = await RpcClient.ConnectAsync(factory, server.EndPoint, TestContext.Current.CancellationToken);
        await using var broken = await factory.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);

        await broken.Transport.Output.WriteAsync(new byte[] { 0, 0, 0, 1, 0 }, TestContext.Current.CancellationToken);
        var end = await broken.Transport.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(end.IsCompleted);
        Assert.Equal("still fine", await healthy.CallAsync("echo", "still fine", TestContext.Current.CancellationToken));
    }
}
