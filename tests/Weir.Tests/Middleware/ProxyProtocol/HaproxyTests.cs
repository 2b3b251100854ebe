using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Middleware.ProxyProtocol;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.ProxyProtocol;

/// <summary>
/// The PROXY middleware behind a real HAProxy: the echo server first writes the client endpoint it sees, so the
/// test compares it with the client socket's own address and port.
/// </summary>
public sealed class HaproxyTests
{
    [Theory]
    [InlineData("send-proxy", "127.0.0.1")]
    [InlineData("send-proxy-v2", "127.0.0.1")]
    [InlineData("send-proxy", "::1")]
    [InlineData("send-proxy-v2", "::1")]
    public async Task TheEchoServerBehindHaproxySeesTheClientsRealAddressAndPort(string sendProxy, string clientAddress)
    {
        var token = TestContext.Current.CancellationToken;
        await using var services = TestServices.Create();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseProxyProtocol().Run(ReportAndEchoAsync));
        await using var haproxy = await HaproxyProcess.StartAsync(IPAddress.Parse(clientAddress), server.EndPoint, sendProxy);

        using var client = new TcpClient(haproxy.EndPoint.AddressFamily);
        await client.ConnectAsync(haproxy.EndPoint, token);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        var report = await reader.ReadLineAsync(token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);

        var fields = report!.Split(' ');
        Assert.Equal(client.Client.LocalEndPoint!.ToString(), fields[0]);
        Assert.Equal(haproxy.EndPoint.ToString(), fields[1]);
        Assert.Equal(sendProxy == "send-proxy" ? "v1" : "v2", fields[2]);

        await client.GetStream().WriteAsync("echo me\n"u8.ToArray(), token);
        Assert.Equal("echo me", await reader.ReadLineAsync(token).AsTask().WaitAsync(TestTimeouts.HangGuard, token));
    }

    [Fact]
    public async Task HaproxyV2ChecksumAndUniqueIdTlvsAreVerifiedAndExposed()
    {
        var token = TestContext.Current.CancellationToken;
        await using var services = TestServices.Create();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseProxyProtocol().Run(ReportAndEchoAsync));
        await using var haproxy = await HaproxyProcess.StartAsync(
            IPAddress.Loopback, server.EndPoint, "send-proxy-v2 proxy-v2-options crc32c,unique-id", "unique-id-format weir-%ci-%cp");

        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(haproxy.EndPoint, token);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        var report = await reader.ReadLineAsync(token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);

        var local = (IPEndPoint)client.Client.LocalEndPoint!;
        var fields = report!.Split(' ');
        Assert.Equal(local.ToString(), fields[0]);
        Assert.Equal($"weir-{local.Address}-{local.Port}", fields[3]);
        Assert.Contains("tlv:03", fields[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatBypassesHaproxyIsRefused()
    {
        var token = TestContext.Current.CancellationToken;
        await using var services = TestServices.Create();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseProxyProtocol().Run(ReportAndEchoAsync));

        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint, token);
        await client.GetStream().WriteAsync("hello\n"u8.ToArray(), token);
        var read = await client.GetStream().ReadAsync(new byte[64], token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);

        Assert.Equal(0, read);
        var closed = await server.NextClosedAsync();
        Assert.Equal(Weir.Diagnostics.ConnectionCloseReason.ProtocolError, closed.CloseReason.Reason);
    }

    private static async Task ReportAndEchoAsync(ConnectionContext connection)
    {
        var proxy = connection.Features.Get<IProxyProtocolFeature>();
        var uniqueId = proxy is null || proxy.UniqueId.IsEmpty ? "-" : Encoding.ASCII.GetString(proxy.UniqueId.Span);
        var tlvs = proxy is null ? "-" : string.Concat(proxy.Tlvs.Select(t => $"tlv:{t.Type:x2}"));
        var report = $"{connection.RemoteEndPoint} {connection.LocalEndPoint} v{proxy?.Version} {uniqueId} {(tlvs.Length == 0 ? "-" : tlvs)}\n";
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(report));
        await PipelineEcho.EchoAsync(connection);
    }
}
