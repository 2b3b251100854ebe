using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class PipeliningStopTests
{
    private const int ResponseSize = 8 * 1024 * 1024;

    // Without a lingering close this lost 3-4 MiB of the 8 MiB, 3 runs in 3: disposing the connection closed the socket
    // while the client's later requests sat unread in the kernel, so the kernel sent RST and dropped the unsent tail of
    // the response. The transport now drains a peer that is still sending until its FIN (LingerTimeout).
    [Fact]
    public async Task AResponseInFlightWhenTheServerStopsReachesAClientThatKeepsSending()
    {
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(async connection =>
        {
            var first = await connection.Transport.Input.ReadAsync();
            connection.Transport.Input.AdvanceTo(first.Buffer.GetPosition(1));
            accepted.SetResult();
            await gate.Task;

            // One whole response, then the handler ends without reading the requests that followed.
            await connection.Transport.Output.WriteAsync(new byte[ResponseSize]);
        }));

        using var client = await RawClient.ConnectAsync(server.EndPoint, s => s.ReceiveBufferSize = 64 * 1024);
        await client.SendAllAsync(new byte[1]);
        await accepted.Task.Within();
        var stopping = server.StopAsync(TimeSpan.FromSeconds(60));
        gate.SetResult();

        using var done = new CancellationTokenSource();
        var pipelining = Task.Run(async () =>
        {
            try
            {
                while (!done.IsCancellationRequested)
                {
                    await client.SendAsync(new byte[8], SocketFlags.None, Guard.Token);
                    await Task.Delay(1, Guard.Token);
                }
            }
            catch (SocketException)
            {
                // The server has closed.
            }
        }, Guard.Token);

        var buffer = new byte[4096];
        long received = 0;
        var reset = false;
        try
        {
            while (true)
            {
                var n = await client.ReceiveAsync(buffer, SocketFlags.None, Guard.Token).AsTask().Within();
                if (n == 0)
                {
                    break;
                }

                received += n;
                if (received % (256 * 1024) < n)
                {
                    await Task.Delay(5, Guard.Token);
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            reset = true;
        }

        await done.CancelAsync();
        await pipelining.Within();
        await stopping.Within();
        Report.Line($"pipelining stop: received {received} of {ResponseSize} bytes, reset {reset}");
        Assert.Equal(ResponseSize, received);
    }
}
