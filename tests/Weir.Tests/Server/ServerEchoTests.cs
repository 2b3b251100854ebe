using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Weir.Tests.Server;

public sealed class ServerEchoTests
{
    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task EchoesBytesBack(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        await using var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        await connection.SendAsync("hello, weir");

        Assert.Equal("hello, weir", await connection.ReceiveAsync("hello, weir".Length));
    }

    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task ServesManyConnectionsAtOnce(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        await using var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
            var message = $"message {i:00}";
            await connection.SendAsync(message);
            return await connection.ReceiveAsync(message.Length);
        }));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"message {i:00}"), replies);
    }

    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task EachListenerRunsItsOwnPipeline(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        await using var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.Run(async connection =>
            {
                await connection.Transport.Output.WriteAsync("greetings"u8.ToArray());
            }))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await using var echo = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        await using var greeter = await transport.ConnectAsync(server.EndPoints[1], TestContext.Current.CancellationToken);
        await echo.SendAsync("ping");

        Assert.Equal("ping", await echo.ReceiveAsync(4));
        Assert.Equal("greetings", await greeter.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task PortZeroListenerReportsThePortItGot()
    {
        var transport = TestTransport.KestrelSockets();
        await using var server = new ServerBuilder()
            .UseTransport(transport.ListenerFactory, t => t.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();

        await server.StartAsync(TestContext.Current.CancellationToken);

        var bound = Assert.IsType<IPEndPoint>(Assert.Single(server.EndPoints));
        Assert.Equal(IPAddress.Loopback, bound.Address);
        Assert.NotEqual(0, bound.Port);
        await using var connection = await transport.ConnectAsync(bound, TestContext.Current.CancellationToken);
        await connection.SendAsync("x");
        Assert.Equal("x", await connection.ReceiveAsync(1));
    }

    [Fact]
    public async Task ListensOnAUnixSocketThroughTheTransportBuilder()
    {
        var directory = Directory.CreateTempSubdirectory("weir-server-");
        try
        {
            var path = Path.Combine(directory.FullName, "echo.sock");
            var transport = TestTransport.KestrelSockets();
            await using var server = new ServerBuilder()
                .UseTransport(transport.ListenerFactory, t => t.ListenUnixSocket(path, c => c.UseConnectionHandler<EchoHandler>()))
                .Build();
            await server.StartAsync(TestContext.Current.CancellationToken);

            await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
            await connection.SendAsync("unix");

            Assert.Equal("unix", await connection.ReceiveAsync(4));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task HandlersComeFromTheServices()
    {
        var transport = TestTransport.InMemory();
        await using var services = TestServices.Create(s => s.AddSingleton(new Greeting("hi from DI")));
        await using var server = new ServerBuilder(services)
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<GreetingHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);

        Assert.Equal("hi from DI", await connection.Transport.Input.ReceiveToEndAsync());
    }
}
