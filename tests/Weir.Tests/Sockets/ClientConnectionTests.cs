using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Sockets;

public sealed class ClientConnectionTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task ClientConnectionFromTheTransportTalksToTheListener(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var accept = harness.AcceptAsync();

        var factory = Assert.IsAssignableFrom<IConnectionFactory>(harness.Transport);
        await using var client = await factory.ConnectAsync(harness.Listener.EndPoint, TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        var server = await accept;

        await client.Transport.Output.WriteAsciiAsync("hello");
        await client.Transport.Output.CompleteAsync();
        Assert.Equal("hello", await server.Transport.Input.ReadToEndAsync());

        await server.Transport.Output.WriteAsciiAsync("world");
        await server.Transport.Output.CompleteAsync();
        Assert.Equal("world", await client.Transport.Input.ReadToEndAsync());
    }
}
