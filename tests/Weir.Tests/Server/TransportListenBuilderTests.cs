using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class TransportListenBuilderTests
{
    [Fact]
    public void ListenLocalhostListensOnTheIPv4Loopback()
    {
        var server = Build(t => t.ListenLocalhost(5000, c => c.UseConnectionHandler<EchoHandler>()));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5000), Assert.Single(server.EndPoints));
    }

    [Fact]
    public void ListenAnyIPListensOnEveryInterface()
    {
        var server = Build(t => t.ListenAnyIP(5000, c => c.UseConnectionHandler<EchoHandler>()));

        var expected = Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        Assert.Equal(new IPEndPoint(expected, 5000), Assert.Single(server.EndPoints));
    }

    [Fact]
    public void ListenUnixSocketListensOnThePath()
    {
        var server = Build(t => t.ListenUnixSocket("/tmp/weir-test.sock", c => c.UseConnectionHandler<EchoHandler>()));

        Assert.Equal("/tmp/weir-test.sock", Assert.IsType<UnixDomainSocketEndPoint>(Assert.Single(server.EndPoints)).ToString());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void APortOutOfRangeIsRefusedNamingIt(int port)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Build(t => t.Listen(IPAddress.Loopback, port, c => c.UseConnectionHandler<EchoHandler>())));

        Assert.Equal("port", error.ParamName);
    }

    private static Weir.Server Build(Action<TransportListenBuilder> configure) =>
        new ServerBuilder().UseTransport(new InMemoryTransport(), configure).Build();
}
