using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weir.Hosting;
using Weir.Tests.Server;

namespace Weir.Tests.Hosting;

public sealed class HostingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHostedServerListensOnTheConfiguredEndpointsWithHandlersFromTheHost()
    {
        var transport = TestTransport.KestrelSockets();
        var builder = CreateBuilder(new()
        {
            ["Weir:Endpoints:Echo:Url"] = "tcp://127.0.0.1:0",
            ["Weir:Endpoints:Greeter:Url"] = "tcp://localhost:0",
        });
        builder.Services.AddSingleton(new Greeting("hello from the host"));
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .UseTransport(_ => transport.ListenerFactory)
            .MapEndpoint("Echo", (c, _) => c.UseConnectionHandler<EchoHandler>())
            .MapEndpoint("Greeter", (c, _) => c.UseConnectionHandler<GreetingHandler>()));
        using var host = builder.Build();

        await host.StartAsync(Token);
        var server = host.Services.GetRequiredService<WeirHostedService>().Server!;
        Assert.Equal(2, server.EndPoints.Count);
        Assert.All(server.EndPoints, e => Assert.NotEqual(0, ((IPEndPoint)e).Port));

        await using (var echo = await transport.ConnectAsync(server.EndPoints[0], Token))
        {
            await echo.SendAsync("hosted");
            Assert.Equal("hosted", await echo.ReceiveAsync(6));
        }

        await using (var greeter = await transport.ConnectAsync(server.EndPoints[1], Token))
        {
            Assert.Equal("hello from the host", await greeter.Transport.Input.ReceiveToEndAsync());
        }

        await host.StopAsync(Token);
    }

    [Fact]
    public async Task EndpointOptionsReachThePipeline()
    {
        var builder = CreateBuilder(new()
        {
            ["Weir:Endpoints:Main:Url"] = "tcp://127.0.0.1:0",
            ["Weir:Endpoints:Main:MaxConnections"] = "7",
            ["Weir:Endpoints:Main:IdleTimeout"] = "00:01:30",
        });
        WeirEndpointOptions? seen = null;
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .UseTransport(_ => TestTransport.KestrelSockets().ListenerFactory)
            .MapEndpoint("Main", (c, endpoint) =>
            {
                seen = endpoint;
                c.UseConnectionHandler<EchoHandler>();
            }));
        using var host = builder.Build();

        await host.StartAsync(Token);
        await host.StopAsync(Token);

        Assert.Equal(7, seen?.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(90), seen?.IdleTimeout);
    }

    [Theory]
    [InlineData("Weir:Endpoints:Main:Url", "http://127.0.0.1:80", "Weir:Endpoints:Main:Url")]
    [InlineData("Weir:Endpoints:Main:Url", "tcp://127.0.0.1:99999", "Weir:Endpoints:Main:Url")]
    [InlineData("Weir:Endpoints:Main:MaxConnections", "0", "Weir:Endpoints:Main:MaxConnections")]
    [InlineData("Weir:Endpoints:Main:IdleTimeout", "-00:00:01", "Weir:Endpoints:Main:IdleTimeout")]
    [InlineData("Weir:ShutdownTimeout", "-00:00:01", "Weir:ShutdownTimeout")]
    public async Task AnInvalidSettingFailsTheStartNamingIt(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Weir:Endpoints:Main:Url"] = "tcp://127.0.0.1:0", [key] = value };
        var builder = CreateBuilder(settings);
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .UseTransport(_ => TestTransport.KestrelSockets().ListenerFactory)
            .MapEndpoint("Main", (c, _) => c.UseConnectionHandler<EchoHandler>()));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueThatDoesNotConvertFailsTheStartNamingTheKey()
    {
        var builder = CreateBuilder(new() { ["Weir:Endpoints:Main:Url"] = "tcp://127.0.0.1:0", ["Weir:Endpoints:Main:IdleTimeout"] = "soon" });
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .UseTransport(_ => TestTransport.KestrelSockets().ListenerFactory)
            .MapEndpoint("Main", (c, _) => c.UseConnectionHandler<EchoHandler>()));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Token));

        Assert.Contains("Weir:Endpoints:Main:IdleTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEndpointWithoutAPipelineFailsTheStartNamingIt()
    {
        var builder = CreateBuilder(new() { ["Weir:Endpoints:Orphan:Url"] = "tcp://127.0.0.1:0" });
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
            .UseTransport(_ => TestTransport.KestrelSockets().ListenerFactory));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Weir:Endpoints:Orphan", error.Message, StringComparison.Ordinal);
        Assert.Contains("MapEndpoint(\"Orphan\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoEndpointAtAllFailsTheStartSayingWhereToAddOne()
    {
        var builder = CreateBuilder([]);
        builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Weir:Endpoints", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerConfiguredInCodeRunsWithoutConfiguration()
    {
        var transport = TestTransport.InMemory();
        var endPoint = transport.NewEndPoint();
        var builder = CreateBuilder([]);
        builder.Services.AddWeirServer(weir => weir
            .ConfigureServer(server => server.Listen(endPoint, transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())));
        using var host = builder.Build();
        await host.StartAsync(Token);

        await using (var connection = await transport.ConnectAsync(endPoint, Token))
        {
            await connection.SendAsync("code");
            Assert.Equal("code", await connection.ReceiveAsync(4));
        }

        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StoppingTheHostStopsTheServerGracefully()
    {
        var transport = TestTransport.InMemory();
        var endPoint = transport.NewEndPoint();
        var builder = CreateBuilder([]);
        builder.Services.AddWeirServer(weir => weir
            .ConfigureServer(server => server.Listen(endPoint, transport.ListenerFactory, c => c.Run(async connection =>
            {
                await connection.Transport.Output.WriteAsync("open"u8.ToArray());
                var closeRequested = connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>()!.ConnectionClosedRequested;
                await Task.Delay(Timeout.Infinite, closeRequested).ContinueWith(_ => { }, TaskScheduler.Default);
                await connection.Transport.Output.WriteAsync(" goodbye"u8.ToArray());
            }))));
        using var host = builder.Build();
        await host.StartAsync(Token);
        await using var connection = await transport.ConnectAsync(endPoint, Token);
        Assert.Equal("open", await connection.ReceiveAsync(4));

        await host.StopAsync(Token);

        Assert.Equal(" goodbye", await connection.Transport.Input.ReceiveToEndAsync());
    }

    private static HostApplicationBuilder CreateBuilder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
