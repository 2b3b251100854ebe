using System.Net;
using System.Net.Sockets;
using Weir.Hosting;

namespace Weir.Tests.Hosting;

public sealed class EndpointUrlTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("tcp://localhost:0", "127.0.0.1:0")]
    [InlineData("TCP://[::1]:6379/", "[::1]:6379")]
    public void ReadsTcpUrls(string url, string expected)
    {
        Assert.True(EndpointUrl.TryParse(url, out var endPoint));

        Assert.Equal(IPEndPoint.Parse(expected), endPoint);
    }

    [Fact]
    public void ReadsTheWildcardAsEveryInterface()
    {
        Assert.True(EndpointUrl.TryParse("tcp://*:80", out var endPoint));

        var expected = Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        Assert.Equal(new IPEndPoint(expected, 80), endPoint);
    }

    [Fact]
    public void ReadsUnixSocketPaths()
    {
        Assert.True(EndpointUrl.TryParse("unix:/run/weir.sock", out var endPoint));

        Assert.Equal("/run/weir.sock", Assert.IsType<UnixDomainSocketEndPoint>(endPoint).ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:65536")]
    [InlineData("tcp://127.0.0.1:-1")]
    [InlineData("tcp://example.com:80")]
    [InlineData("tcp://::1:80")]
    [InlineData("unix:")]
    public void RefusesWhatIsNotAnEndpointUrl(string? url)
    {
        Assert.False(EndpointUrl.TryParse(url, out _));
    }
}
