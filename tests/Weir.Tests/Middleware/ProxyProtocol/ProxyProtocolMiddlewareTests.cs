using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;
using Weir.Diagnostics;
using Weir.Middleware.ProxyProtocol;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.ProxyProtocol;

public sealed class ProxyProtocolMiddlewareTests
{
    private static readonly IPEndPoint LoopbackProxy = new(IPAddress.Loopback, 40001);
    private static readonly IPEndPoint ListenerEndPoint = new(IPAddress.Loopback, 8080);

    [Fact]
    public async Task AHeaderReplacesTheEndpointsAndTheDataAfterItArrivesUntouched()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = Connection();
        var transport = connection.Transport;

        await connection.SendAsync("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nhello, world");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 56324), seen.Remote);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.2"), 443), seen.Local);
        Assert.Equal("hello, world", seen.Data);
        Assert.Same(transport, seen.Transport);
        Assert.Equal(1, seen.Feature!.Version);
        Assert.Equal(LoopbackProxy, seen.Feature.ProxyEndPoint);
        Assert.Contains(services.Logs(), r => r.Id.Id == 350);
    }

    [Fact]
    public async Task AV2HeaderSentOneByteAtATimeIsRead()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = Connection();
        var header = ProxyHeaders.V2(0x21, 0x21, ProxyHeaders.Inet("2001:db8::5", "2001:db8::1", 4433, 443), (0x01, "h2"u8.ToArray()));

        var running = pipeline(connection);
        foreach (var b in header)
        {
            await connection.SendAsync([b]);
        }

        await connection.SendAsync("data");
        await connection.Peer.Output.CompleteAsync();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 4433), seen.Remote);
        Assert.Equal("h2", Encoding.ASCII.GetString(seen.Feature!.ApplicationProtocol.Span));
        Assert.Equal("data", seen.Data);
    }

    [Fact]
    public async Task ALocalHeaderKeepsTheConnectionsOwnEndpoints()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync(ProxyHeaders.V2(0x20, 0x00, []));
        await connection.SendAsync("ping");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(LoopbackProxy, seen.Remote);
        Assert.Equal(ListenerEndPoint, seen.Local);
        Assert.Equal(ProxyProtocolCommand.Local, seen.Feature!.Command);
        Assert.Equal("ping", seen.Data);
    }

    [Fact]
    public async Task WhenRequiredAConnectionWithoutAHeaderIsClosed()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync("GET / HTTP/1.1\r\n\r\n");
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(seen.Called);
        Assert.Empty(await connection.ReceiveToEndAsync());
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 353 && r.Message.Contains("does not start with a PROXY header", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenOptionalAConnectionWithoutAHeaderPassesThroughUntouched()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol(o => o.Required = false).Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync("GET / HTTP/1.1\r\n\r\n");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("GET / HTTP/1.1\r\n\r\n", seen.Data);
        Assert.Equal(LoopbackProxy, seen.Remote);
        Assert.Null(seen.Feature);
    }

    [Fact]
    public async Task WhenOptionalAFewBytesThatEndTheConnectionPassThrough()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol(o => o.Required = false).Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync("PRO");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("PRO", seen.Data);
    }

    [Fact]
    public async Task WhenOptionalAnUntrustedPeerPassesThroughWithoutItsHeaderBeingRead()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol(o => o.Required = false).Run(seen.RecordAsync).Build();
        var connection = Connection(remote: new IPEndPoint(IPAddress.Parse("203.0.113.66"), 5555));

        await connection.SendAsync("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", seen.Data);
        Assert.Equal(IPAddress.Parse("203.0.113.66"), ((IPEndPoint)seen.Remote!).Address);
    }

    [Fact]
    public async Task WhenRequiredAnUntrustedPeerIsClosedWithoutReading()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = Connection(remote: new IPEndPoint(IPAddress.Parse("203.0.113.66"), 5555));

        await connection.SendAsync("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(seen.Called);
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 354 && r.Message.Contains("203.0.113.66", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATrustedProxyOutsideTheTrustedNetworksIsAccepted()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services)
            .UseProxyProtocol(o => o.TrustedProxies.Add(IPAddress.Parse("203.0.113.66")))
            .Run(seen.RecordAsync).Build();
        var connection = Connection(remote: new IPEndPoint(IPAddress.Parse("203.0.113.66"), 5555));

        await connection.SendAsync("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(IPAddress.Parse("192.0.2.1"), ((IPEndPoint)seen.Remote!).Address);
    }

    [Fact]
    public async Task ATrustedNetworkMatchesAnIPv4MappedPeer()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services)
            .UseProxyProtocol(o => o.TrustedNetworks.Add(IPNetwork.Parse("10.1.0.0/16")))
            .Run(seen.RecordAsync).Build();
        var connection = Connection(remote: new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 5555));

        await connection.SendAsync("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(IPAddress.Parse("192.0.2.1"), ((IPEndPoint)seen.Remote!).Address);
    }

    [Fact]
    public async Task APeerWithoutAnIPAddressIsTrusted()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol().Run(seen.RecordAsync).Build();
        var connection = new TestConnection { RemoteEndPoint = new UnixDomainSocketEndPoint("/run/haproxy-to-weir.sock") };

        await connection.SendAsync("PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n");
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000), seen.Remote);
        Assert.IsType<UnixDomainSocketEndPoint>(seen.Feature!.ProxyEndPoint);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.2 99999 443\r\nhello")]
    [InlineData("PROXY TCP4 192.0.2.1\r\n")]
    public async Task AMalformedHeaderClosesTheConnection(string text)
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol(o => o.Required = false).Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync(text);
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(seen.Called);
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 353);
    }

    [Fact]
    public async Task AHeaderCutShortByTheEndOfTheConnectionClosesIt()
    {
        await using var services = TestServices.Create();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services).UseProxyProtocol(o => o.Required = false).Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync(ProxyHeaders.V2(0x21, 0x11, ProxyHeaders.Inet("192.0.2.1", "192.0.2.2", 1, 2))[..20]);
        await connection.Peer.Output.CompleteAsync();
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(seen.Called);
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 353 && r.Message.Contains("before the header was complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHeaderNotCompleteWithinTheTimeoutClosesTheConnection()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var seen = new Seen();
        var pipeline = new ConnectionBuilder(services)
            .UseProxyProtocol(new ProxyProtocolOptions { HeaderTimeout = TimeSpan.FromSeconds(3) }, time)
            .Run(seen.RecordAsync).Build();
        var connection = Connection();

        await connection.SendAsync("PROXY TCP4 192.0.2.1 ");
        var running = pipeline(connection);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.False(seen.Called);
        Assert.Equal(ConnectionCloseReason.Timeout, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 356);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void AHeaderTimeoutThatIsNotPositiveThrowsNamingTheSetting(int seconds)
    {
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => builder.UseProxyProtocol(new ProxyProtocolOptions { HeaderTimeout = TimeSpan.FromSeconds(seconds) }));

        Assert.Contains("HeaderTimeout", error.Message, StringComparison.Ordinal);
    }

    private static TestConnection Connection(IPEndPoint? remote = null) => new()
    {
        RemoteEndPoint = remote ?? LoopbackProxy,
        LocalEndPoint = ListenerEndPoint,
    };

    private sealed class Seen
    {
        public bool Called { get; private set; }

        public EndPoint? Remote { get; private set; }

        public EndPoint? Local { get; private set; }

        public IProxyProtocolFeature? Feature { get; private set; }

        public string? Data { get; private set; }

        public object? Transport { get; private set; }

        public async Task RecordAsync(ConnectionContext connection)
        {
            Called = true;
            Remote = connection.RemoteEndPoint;
            Local = connection.LocalEndPoint;
            Feature = connection.Features.Get<IProxyProtocolFeature>();
            Transport = connection.Transport;
            using var copy = new MemoryStream();
            await connection.Transport.Input.CopyToAsync(copy);
            Data = Encoding.ASCII.GetString(copy.ToArray());
        }
    }
}
