using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Weir.Tests.Server;

public sealed class HandlerFailureTests
{
    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task AHandlerThatThrowsClosesItsConnectionAndTheServerCarriesOn(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.Run(ThrowOnBoomAsync))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await using (var failing = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken))
        {
            await failing.SendAsync("boom");
            await AssertEndsAsync(failing);
        }

        await using var healthy = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        await healthy.SendAsync("fine");
        Assert.Equal("fine", await healthy.ReceiveAsync(4));

        var failure = Assert.Single(services.Logs(eventId: 103));
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Equal("boom", failure.Exception?.Message);
    }

    [Fact]
    public async Task AHandlerThatThrowsResetsThePeerAndIsRecordedAsApplicationError()
    {
        var transport = TestTransport.InMemory();
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.Run(ThrowOnBoomAsync))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);

        await connection.SendAsync("boom");

        await Assert.ThrowsAsync<ConnectionResetException>(() => connection.Transport.Input.ReceiveToEndAsync());
        await server.StopAsync(TestContext.Current.CancellationToken);
        var closed = Assert.Single(services.Logs(eventId: 102));
        Assert.Contains("ApplicationError", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APipelineWithoutAHandlerFailsItsConnectionsNamingTheEndpoint()
    {
        var transport = TestTransport.InMemory();
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(new Weir.InMemory.InMemoryEndPoint("no-handler"), transport.ListenerFactory, c => c.Use(next => next))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ConnectionResetException>(() => connection.Transport.Input.ReceiveToEndAsync());
        await server.StopAsync(TestContext.Current.CancellationToken);

        var failure = Assert.Single(services.Logs(eventId: 103));
        Assert.Contains("inmemory:no-handler", failure.Exception?.Message, StringComparison.Ordinal);
        Assert.Contains("without a handler", failure.Exception?.Message, StringComparison.Ordinal);
    }

    private static async Task ThrowOnBoomAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync();
            if (result.Buffer.Length >= 4)
            {
                var word = System.Text.Encoding.ASCII.GetString(result.Buffer.Slice(0, 4).ToArray());
                input.AdvanceTo(result.Buffer.GetPosition(4));
                if (word == "boom")
                {
                    throw new InvalidOperationException("boom");
                }

                await connection.Transport.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(word));
                continue;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>The peer's input ends, by FIN or by reset, with no bytes sent before.</summary>
    private static async Task AssertEndsAsync(ConnectionContext connection)
    {
        try
        {
            Assert.Equal(string.Empty, await connection.Transport.Input.ReceiveToEndAsync());
        }
        catch (ConnectionResetException)
        {
        }
    }
}
