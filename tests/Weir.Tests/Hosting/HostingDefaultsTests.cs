using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Weir.Hosting;
using Weir.Tests.Server;

namespace Weir.Tests.Hosting;

/// <summary>What a hosted server does with no transport named, and with the limits its configuration sets, over real sockets.</summary>
public sealed class HostingDefaultsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AConfiguredEndpointWithoutATransportListensOnWeirsSockets()
    {
        using var host = BuildHost(new() { ["Weir:Endpoints:Echo:Url"] = "tcp://127.0.0.1:0" });
        await host.StartAsync(Token);
        var endPoint = ServerEndPoint(host);

        using var client = await ConnectAsync(endPoint);
        await client.SendAsync("over sockets"u8.ToArray(), Token);

        Assert.Equal("over sockets", await ReceiveAsync(client, 12));
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        await StopAsync(host, client);
    }

    [Fact]
    public async Task MaxConnectionsFromConfigurationRefusesTheConnectionBeyondIt()
    {
        using var host = BuildHost(new()
        {
            ["Weir:Endpoints:Echo:Url"] = "tcp://127.0.0.1:0",
            ["Weir:Endpoints:Echo:MaxConnections"] = "1",
        });
        await host.StartAsync(Token);
        var endPoint = ServerEndPoint(host);
        using var first = await ConnectAsync(endPoint);
        await first.SendAsync("in"u8.ToArray(), Token);
        Assert.Equal("in", await ReceiveAsync(first, 2));

        using var second = await ConnectAsync(endPoint);

        Assert.True(await IsClosedByServerAsync(second), "The connection beyond MaxConnections was not closed.");
        await first.SendAsync("still"u8.ToArray(), Token);
        Assert.Equal("still", await ReceiveAsync(first, 5));
        await StopAsync(host, first);
    }

    [Fact]
    public async Task IdleTimeoutFromConfigurationClosesASilentConnection()
    {
        var time = new FakeTimeProvider();
        using var host = BuildHost(
            new()
            {
                ["Weir:Endpoints:Echo:Url"] = "tcp://127.0.0.1:0",
                ["Weir:Endpoints:Echo:IdleTimeout"] = "00:00:10",
            },
            services => services.AddSingleton<TimeProvider>(time));
        await host.StartAsync(Token);
        using var client = await ConnectAsync(ServerEndPoint(host));
        await client.SendAsync("awake"u8.ToArray(), Token);
        Assert.Equal("awake", await ReceiveAsync(client, 5));

        time.Advance(TimeSpan.FromSeconds(5));
        await client.SendAsync("still awake"u8.ToArray(), Token);
        Assert.Equal("still awake", await ReceiveAsync(client, 11));
        time.Advance(TimeSpan.FromSeconds(25));

        Assert.True(await IsClosedByServerAsync(client), "The silent connection was not closed.");
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task AnEndpointThatCannotBindFailsTheStartNamingIt()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var endPoint = (IPEndPoint)taken.LocalEndPoint!;
        using var host = BuildHost(new() { ["Weir:Endpoints:Echo:Url"] = $"tcp://{endPoint}" });

        var error = await Assert.ThrowsAsync<IOException>(() => host.StartAsync(Token));

        Assert.Contains(endPoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Null(host.Services.GetRequiredService<WeirHostedService>().Server);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        configure?.Invoke(builder.Services);
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .MapEndpoint("Echo", (c, _) => c.UseConnectionHandler<EchoHandler>()));
        return builder.Build();
    }

    /// <summary>Closes the client first: the echo handler ends when its peer does, so the stop waits for nothing.</summary>
    private static async Task StopAsync(IHost host, Socket client)
    {
        client.Shutdown(SocketShutdown.Send);
        await IsClosedByServerAsync(client);
        await host.StopAsync(Token);
    }

    private static IPEndPoint ServerEndPoint(IHost host) =>
        (IPEndPoint)Assert.Single(host.Services.GetRequiredService<WeirHostedService>().Server!.EndPoints);

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, Token);
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var received = 0;
        while (received < length)
        {
            var count = await socket.ReceiveAsync(buffer.AsMemory(received), Token).AsTask().WaitAsync(HangGuard, Token);
            Assert.NotEqual(0, count);
            received += count;
        }

        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>Whether the server ends the connection (FIN or RST) without sending anything first.</summary>
    private static async Task<bool> IsClosedByServerAsync(Socket socket)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[16].AsMemory(), Token).AsTask().WaitAsync(HangGuard, Token) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }
}
