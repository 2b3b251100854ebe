using System.Buffers;
using System.Net.Sockets;
using Weir.Sockets.Internal;

using Weir.Tests.Server;

namespace Weir.Tests.Sockets;

public sealed class IntegrityTests
{
    private const int Size = 16 * 1024 * 1024;
    private const int Connections = 4;

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task SixteenMebibytesOfRandomBytesEchoExactlyOnSeveralConnectionsAtOnce(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var pairs = new List<(Socket Client, SocketConnection Server)>();
        for (var i = 0; i < Connections; i++)
        {
            pairs.Add(await harness.ConnectPairAsync());
        }

        var echoes = pairs.Select(p => Task.Run(() => EchoAsync(p.Server), TestContext.Current.CancellationToken));
        var exchanges = pairs.Select((p, i) => Task.Run(() => ExchangeAsync(p.Client, seed: i), TestContext.Current.CancellationToken));

        await Task.WhenAll([.. echoes, .. exchanges]).WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
    }

    private static async Task EchoAsync(SocketConnection connection)
    {
        await new EchoHandler().OnConnectedAsync(connection);
        await connection.Transport.Output.CompleteAsync();
    }

    private static async Task ExchangeAsync(Socket client, int seed)
    {
        var random = new Random(seed);
        var sent = new byte[Size];
        random.NextBytes(sent);

        var receiving = ReceiveAllAsync(client);
        for (var offset = 0; offset < Size;)
        {
            var chunk = Math.Min(random.Next(1, 128 * 1024), Size - offset);
            await client.SendAsync(sent.AsMemory(offset, chunk), SocketFlags.None);
            offset += chunk;
        }

        client.Shutdown(SocketShutdown.Send);
        var received = await receiving;
        Assert.Equal(Size, received.Length);
        Assert.True(sent.AsSpan().SequenceEqual(received), "The echoed bytes differ from those sent.");
    }

    private static async Task<byte[]> ReceiveAllAsync(Socket client)
    {
        var received = new ArrayBufferWriter<byte>(Size);
        while (true)
        {
            var n = await client.ReceiveAsync(received.GetMemory(64 * 1024), SocketFlags.None);
            if (n == 0)
            {
                return received.WrittenSpan.ToArray();
            }

            received.Advance(n);
        }
    }
}
