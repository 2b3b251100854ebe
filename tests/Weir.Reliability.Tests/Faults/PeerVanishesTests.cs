using Microsoft.AspNetCore.Connections;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class PeerVanishesTests
{
    private const long Payload = 50L * 1024 * 1024;

    [Fact]
    public async Task APeerThatResetsDuringA50MiBWriteEndsTheWriteWithAResetAndLeaksNothing()
    {
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        long written = 0;
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(async connection =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (written < Payload)
                {
                    var flushed = await connection.Transport.Output.WriteAsync(chunk);
                    written += chunk.Length;
                    if (flushed.IsCompleted)
                    {
                        outcome.TrySetResult(null);
                        return;
                    }
                }

                outcome.TrySetException(new InvalidOperationException("The whole payload was written to a peer that had reset."));
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
            }
        }));

        using (var client = await RawClient.ConnectAsync(server.EndPoint))
        {
            await client.ReceiveExactlyAsync(1024 * 1024);
            client.Reset();
        }

        var error = await outcome.Task.Within();
        Assert.IsType<ConnectionResetException>(error);
        await server.StopAsync(TimeSpan.FromSeconds(10));

        var closed = Assert.Single(server.Logs(Echo.ConnectionClosedEventId));
        Assert.Contains("PeerReset", closed.Message, StringComparison.Ordinal);
        Report.Line($"peer vanishes: {written} of {Payload} bytes written before the write failed with {error!.GetType().Name}; " +
            $"live blocks after stop {server.Pool.LiveBlocks}");
    }
}
