using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class GracefulStopTests
{
    private const int Clients = 32;

    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task StopUnderLoadAnswersEveryRequestTheServerBegan(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        var stats = new RequestStats(threshold: 300);
        await using var services = TestServices.Create(s => s.AddSingleton(stats));
        var server = new ServerBuilder(services)
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<RequestResponseHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        var connections = await Task.WhenAll(Enumerable.Range(0, Clients)
            .Select(_ => transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken).AsTask()));
        var clients = connections.Select(RunClientAsync).ToArray();

        await stats.ThresholdReached.Task.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);
        using (var deadline = new CancellationTokenSource(ConnectionExtensions.HangGuard))
        {
            await server.StopAsync(deadline.Token);
        }

        var received = await Task.WhenAll(clients).WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(stats.Processed, received.Sum());
        Assert.Empty(services.Logs(eventId: 109));
        Assert.Equal(Clients, services.Logs(eventId: 102).Count);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task StopLetsAHandlerFinishItsResponseAfterTheCloseRequest()
    {
        var transport = TestTransport.InMemory();
        var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.Run(async connection =>
            {
                var closeRequested = connection.Features.GetRequiredFeature<IConnectionLifetimeNotificationFeature>().ConnectionClosedRequested;
                await connection.Transport.Output.WriteAsync("working..."u8.ToArray());
                await Task.Delay(Timeout.Infinite, closeRequested).ContinueWith(_ => { }, TaskScheduler.Default);
                await connection.Transport.Output.WriteAsync(" done"u8.ToArray());
            }))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        Assert.Equal("working...", await connection.ReceiveAsync(10));

        using (var deadline = new CancellationTokenSource(ConnectionExtensions.HangGuard))
        {
            await server.StopAsync(deadline.Token);
        }

        Assert.Equal(" done", await connection.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task StopAbortsConnectionsStillOpenWhenTheTokenFires()
    {
        var transport = TestTransport.InMemory();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerSaw = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var services = TestServices.Create();
        var server = new ServerBuilder(services)
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.Run(async connection =>
            {
                connection.Features.GetRequiredFeature<IConnectionLifetimeNotificationFeature>()
                    .ConnectionClosedRequested.Register(() => asked.TrySetResult());
                await connection.Transport.Output.WriteAsync("started"u8.ToArray());
                try
                {
                    // Ignores the close request: reads until the connection ends.
                    await connection.Transport.Input.ReceiveToEndAsync();
                }
                catch (Exception ex)
                {
                    handlerSaw.TrySetResult(ex);
                }
            }))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        Assert.Equal("started", await connection.ReceiveAsync(7));

        using var deadline = new CancellationTokenSource();
        var stop = server.StopAsync(deadline.Token);
        await asked.Task.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);
        Assert.False(stop.IsCompleted);
        await deadline.CancelAsync();
        await stop.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);

        Assert.IsType<ConnectionAbortedException>(await handlerSaw.Task.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ConnectionResetException>(() => connection.Transport.Input.ReceiveToEndAsync());
        Assert.Single(services.Logs(eventId: 109));
        Assert.Contains("ServerStopping", Assert.Single(services.Logs(eventId: 102)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task StopUnbindsSoNewConnectionsAreRefused(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        var endPoint = server.EndPoints[0];

        await server.StopAsync(TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<SocketException>(() => transport.ConnectAsync(endPoint, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task StopLeavesOtherServersOnTheSameTransportAlone()
    {
        var transport = new InMemoryTransport();
        await using var first = new ServerBuilder()
            .Listen(new InMemoryEndPoint("first"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await using var second = new ServerBuilder()
            .Listen(new InMemoryEndPoint("second"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);

        await first.StopAsync(TestContext.Current.CancellationToken);

        await using var connection = await transport.ConnectAsync(new InMemoryEndPoint("second"), TestContext.Current.CancellationToken);
        await connection.SendAsync("still here");
        Assert.Equal("still here", await connection.ReceiveAsync(10));
    }

    /// <summary>Sends a request, reads its whole response, and again, until the server closes between two responses.</summary>
    private static async Task<int> RunClientAsync(ConnectionContext connection)
    {
        await Task.Yield();
        var received = 0;
        var input = connection.Transport.Input;
        while (true)
        {
            var flush = await connection.Transport.Output.WriteAsync("req\n"u8.ToArray());
            if (flush.IsCompleted)
            {
                return received;
            }

            long partial = 0;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync();
                    if (result.Buffer.Length >= RequestResponseHandler.ResponseSize)
                    {
                        var response = result.Buffer.Slice(0, RequestResponseHandler.ResponseSize);
                        Assert.Equal((byte)'b', response.Slice(RequestResponseHandler.ResponseSize - 1).FirstSpan[0]);
                        input.AdvanceTo(response.End);
                        received++;
                        break;
                    }

                    partial = result.Buffer.Length;
                    if (result.IsCompleted)
                    {
                        Assert.Equal(0, partial);
                        return received;
                    }

                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                }
            }
            catch (ConnectionResetException) when (partial == 0)
            {
                // Closed between two responses; the request just sent was never begun.
                return received;
            }
        }
    }
}
