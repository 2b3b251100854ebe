using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Diagnostics;
using Weir.Middleware.Tls;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Tls;

/// <summary>The server TLS middleware over real loopback sockets, against <c>openssl s_client</c> and Weir's own client.</summary>
public sealed class TlsRealPeerTests
{
    [Fact]
    public async Task OpensslNegotiatesTls13AndAlpnAndGetsItsLineBack()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var options = new ServerTlsOptions { ServerCertificate = certificate };
        options.ApplicationProtocols.Add(TlsTestPipelines.WeirProtocol);
        string? hostName = null;
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseServerTls(options).Run(async c =>
        {
            hostName = c.Features.Get<ITlsHandshakeFeature>()?.HostName;
            await PipelineEcho.ReplyToOneLineAsync(c);
        }));

        var output = await OpensslClient.RunAsync(server.EndPoint, "hello\n", "-servername", "localhost", "-alpn", "weir/1");

        Assert.Contains("ALPN protocol: weir/1", output, StringComparison.Ordinal);
        Assert.Contains("TLSv1.3", output, StringComparison.Ordinal);
        Assert.Contains("echo: hello", output, StringComparison.Ordinal);
        Assert.Equal("localhost", hostName);
    }

    [Fact]
    public async Task OpensslLimitedToTls12IsServedOverTls12()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseServerTls(certificate).Run(PipelineEcho.ReplyToOneLineAsync));

        var output = await OpensslClient.RunAsync(server.EndPoint, "twelve\n", "-tls1_2", "-servername", "localhost");

        Assert.Contains("TLSv1.2", output, StringComparison.Ordinal);
        Assert.Contains("echo: twelve", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGarbageHandshakeClosesOnlyThatConnection()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseServerTls(certificate).Run(PipelineEcho.ReplyToOneLineAsync));
        var token = TestContext.Current.CancellationToken;

        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(server.EndPoint, token);
            await garbage.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), token);
            var closed = await server.NextClosedAsync();
            Assert.Equal(ConnectionCloseReason.TlsHandshakeFailed, closed.CloseReason.Reason);
        }

        var output = await OpensslClient.RunAsync(server.EndPoint, "still up\n", "-servername", "localhost");
        Assert.Contains("echo: still up", output, StringComparison.Ordinal);
        Assert.Contains(services.Logs(), r => r.Id.Id == 211);
    }

    [Fact]
    public async Task WeirsClientTalksToWeirsServerOverRealSockets()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        var options = new ServerTlsOptions { ServerCertificate = certificate };
        options.ApplicationProtocols.Add(TlsTestPipelines.WeirProtocol);
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseServerTls(options).Run(PipelineEcho.ReplyToOneLineAsync));
        var token = TestContext.Current.CancellationToken;

        var socket = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint, token);
        using var factory = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), NullLogger.Instance);
        await using var connection = factory.Create(socket);
        string? reply = null;
        SslApplicationProtocol? alpn = null;
        var client = new ConnectionBuilder(services).UseClientTls(TlsTestPipelines.TrustOnly(certificate)).Run(async c =>
        {
            alpn = new SslApplicationProtocol(c.Features.Get<ITlsApplicationProtocolFeature>()!.ApplicationProtocol.ToArray());
            await c.Transport.Output.WriteAsync("over sockets\n"u8.ToArray());
            using var received = new MemoryStream();
            await c.Transport.Input.CopyToAsync(received);
            reply = Encoding.UTF8.GetString(received.ToArray());
        }).Build();

        await client(connection).WaitAsync(TestTimeouts.HangGuard, token);

        Assert.Equal("echo: over sockets\n", reply);
        Assert.Equal(TlsTestPipelines.WeirProtocol, alpn);
    }
}
