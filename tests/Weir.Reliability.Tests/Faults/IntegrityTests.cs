using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class IntegrityTests
{
    private const int Connections = 64;

    // A prime, so the pattern never lines up with a write size or a pool block.
    private const int PatternLength = 65_521;
    private const int LargestWrite = 64 * 1024;

    [Fact]
    public async Task EveryByteEchoedAcrossSixtyFourConnectionsUnderRandomWritesAndPausesComesBackInOrder()
    {
        var totalMiB = LongRun.Size("integrity MiB echoed", ci: 256, full: 2048);
        var perConnection = (long)totalMiB * 1024 * 1024 / Connections;
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(PausingEchoAsync));

        var clients = Enumerable.Range(0, Connections).Select(i => Task.Run(() => RunClientAsync(server, i, perConnection)));
        var received = await Task.WhenAll(clients).Within(Guard.Long);

        Assert.All(received, r => Assert.Equal(perConnection, r));
        Report.Line($"integrity: {Connections} connections x {perConnection} bytes = {received.Sum()} bytes echoed and checked");
    }

    private static async Task<long> RunClientAsync(ReliabilityServer server, int index, long length)
    {
        var pattern = CreatePattern(index);
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        var sending = SendAsync(client, pattern, length, new Random(index));
        var buffer = new byte[LargestWrite];
        var random = new Random(~index);
        long received = 0;
        while (received < length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(0, random.Next(1, buffer.Length)), SocketFlags.None, Guard.Token);
            Assert.NotEqual(0, n);
            var offset = (int)(received % PatternLength);
            if (!buffer.AsSpan(0, n).SequenceEqual(pattern.AsSpan(offset, n)))
            {
                Assert.Fail($"Connection {index}: the bytes at offset {received} differ from those sent.");
            }

            received += n;
            await PauseSometimesAsync(random);
        }

        await sending;
        client.Shutdown(SocketShutdown.Send);
        var (extra, _) = await client.DrainAsync();
        Assert.Equal(0, extra);
        return received;
    }

    private static async Task SendAsync(Socket client, byte[] pattern, long length, Random random)
    {
        long sent = 0;
        while (sent < length)
        {
            var size = (int)Math.Min(random.Next(1, LargestWrite), length - sent);
            await client.SendAllAsync(pattern.AsMemory((int)(sent % PatternLength), size));
            sent += size;
            await PauseSometimesAsync(random);
        }
    }

    /// <summary>The server side: echoes in random pieces, pausing now and then.</summary>
    private static async Task PausingEchoAsync(ConnectionContext connection)
    {
        var random = new Random(connection.ConnectionId.GetHashCode(StringComparison.Ordinal));
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (!buffer.IsEmpty)
            {
                var piece = buffer.Slice(0, Math.Min(buffer.Length, random.Next(1, LargestWrite)));
                foreach (var segment in piece)
                {
                    output.Write(segment.Span);
                }

                await output.FlushAsync();
                buffer = buffer.Slice(piece.End);
                await PauseSometimesAsync(random);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    // Load shaping, not synchronisation: a short random stall now and then, so buffers fill and drain.
    private static Task PauseSometimesAsync(Random random) =>
        random.Next(64) == 0 ? Task.Delay(random.Next(1, 5), Guard.Token) : Task.CompletedTask;

    private static byte[] CreatePattern(int seed)
    {
        // Twice the pattern, so any write or read of up to one pattern length is one contiguous slice.
        var pattern = new byte[PatternLength + LargestWrite];
        new Random(seed).NextBytes(pattern.AsSpan(0, PatternLength));
        pattern.AsSpan(0, LargestWrite).CopyTo(pattern.AsSpan(PatternLength));
        return pattern;
    }
}
