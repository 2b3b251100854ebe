using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class GracefulStopTests
{
    private const int Clients = 200;
    private const int RequestSize = 8;
    private const int ResponseSize = 256 * 1024;
    private const int ConnectionsAbortedEventId = 109;

    [Fact]
    public async Task StoppingUnderLoadAnswersEveryAcceptedRequestWholeAndRefusesNewConnections()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new ConcurrentDictionary<int, int>();
        var firstRequests = new AsyncCountdown(Clients);
        var closeRequests = new AsyncCountdown(Clients);
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(async connection =>
        {
            var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()!.ConnectionClosedRequested;
            using var registration = closeRequested.Register(() => closeRequests.Signal());
            var input = connection.Transport.Input;
            while (true)
            {
                var result = await input.ReadAtLeastAsync(RequestSize);
                if (result.Buffer.Length < RequestSize)
                {
                    return;
                }

                var request = new byte[RequestSize];
                result.Buffer.Slice(0, RequestSize).CopyTo(request);
                input.AdvanceTo(result.Buffer.GetPosition(RequestSize));
                var client = BinaryPrimitives.ReadInt32BigEndian(request);
                if (accepted.AddOrUpdate(client, 1, (_, n) => n + 1) == 1)
                {
                    firstRequests.Signal();
                }

                // Every request is held here until the stop has begun, so each is mid-request when it does.
                await gate.Task;
                await WriteResponseAsync(connection.Transport.Output, request);
                if (closeRequested.IsCancellationRequested)
                {
                    return;
                }
            }
        }));

        var clients = Enumerable.Range(0, Clients).Select(i => Task.Run(() => RunClientAsync(server, i))).ToArray();
        await firstRequests.Task.Within();

        var grace = TimeSpan.FromSeconds(60);
        var stopping = server.StopAsync(grace);
        await closeRequests.Task.Within();
        var refused = await Assert.ThrowsAsync<SocketException>(() => RawClient.ConnectAsync(server.EndPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        gate.SetResult();
        await stopping;
        var answered = await Task.WhenAll(clients).Within();

        Assert.Empty(server.Logs(ConnectionsAbortedEventId));
        for (var i = 0; i < Clients; i++)
        {
            Assert.Equal(accepted[i], answered[i]);
        }

        Report.Line($"graceful stop: {Clients} clients mid-request; {accepted.Values.Sum()} requests accepted, " +
            $"{answered.Sum()} whole responses of {ResponseSize} bytes received; a new connection was refused; " +
            $"the stop finished within its {grace.TotalSeconds} s grace without aborting any connection");
    }

    private static async Task WriteResponseAsync(System.IO.Pipelines.PipeWriter output, byte[] request)
    {
        for (var written = 0; written < ResponseSize; written += 16 * 1024)
        {
            var span = output.GetSpan(16 * 1024)[..(16 * 1024)];
            Fill(span, request, written);
            output.Advance(span.Length);
            await output.FlushAsync();
        }
    }

    private static void Fill(Span<byte> span, byte[] request, int offset)
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)(request[(offset + i) % RequestSize] + ((offset + i) / RequestSize));
        }
    }

    /// <summary>Sends requests one after another until the server closes; returns the whole responses read.</summary>
    private static async Task<int> RunClientAsync(ReliabilityServer server, int index)
    {
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        var expected = new byte[ResponseSize];
        var answered = 0;
        try
        {
            for (var number = 0; ; number++)
            {
                var request = new byte[RequestSize];
                BinaryPrimitives.WriteInt32BigEndian(request, index);
                BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), number);
                await client.SendAllAsync(request);
                Fill(expected, request, 0);
                byte[] response;
                try
                {
                    response = await client.ReceiveExactlyAsync(ResponseSize);
                }
                catch (EndOfStreamException ex) when (ex.Message.Contains("after 0 of", StringComparison.Ordinal))
                {
                    // Closed between responses: this request was not accepted.
                    return answered;
                }

                Assert.Equal(expected, response);
                answered++;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return answered;
        }
    }
}
