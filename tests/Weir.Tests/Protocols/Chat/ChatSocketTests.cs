using ChatServer;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Chat;

/// <summary>The chat handler on Weir's sockets, as the sample serves it, with real socket clients.</summary>
public sealed class ChatSocketTests
{
    [Fact]
    public async Task EveryClientReceivesEveryOtherClientsLinesInOrder()
    {
        // Queues deep enough for the whole burst: this test is about order, not about slow clients.
        var room = new ChatRoom(new ChatOptions { SendQueueCapacity = 10_000 });
        await using var server = await SampleSocketServer.StartAsync(new ChatConnectionHandler(room).OnConnectedAsync);
        using var a = await JoinAsync(server);
        using var b = await JoinAsync(server);
        using var c = await JoinAsync(server);
        await SettleAsync(a, b, c);
        const int Lines = 200;

        var readingC = ReadMessagesAsync(c.Client, 2 * Lines);
        var readingA = ReadMessagesAsync(a.Client, Lines);
        var readingB = ReadMessagesAsync(b.Client, Lines);
        await Task.WhenAll(SendLinesAsync(a.Client, "a", Lines), SendLinesAsync(b.Client, "b", Lines));
        var atC = await readingC;
        var atA = await readingA;
        var atB = await readingB;

        Assert.Equal(Numbered(a.Name, "a", Lines), atC.Where(l => l.StartsWith(a.Name + ":", StringComparison.Ordinal)));
        Assert.Equal(Numbered(b.Name, "b", Lines), atC.Where(l => l.StartsWith(b.Name + ":", StringComparison.Ordinal)));
        Assert.Equal(Numbered(b.Name, "b", Lines), atA);
        Assert.Equal(Numbered(a.Name, "a", Lines), atB);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task AClientThatStopsReadingIsDroppedAndTheOthersCarryOn()
    {
        var room = new ChatRoom(new ChatOptions { SendQueueCapacity = 16, MaximumLineLength = 16 * 1024 });
        await using var server = await SampleSocketServer.StartAsync(new ChatConnectionHandler(room).OnConnectedAsync);
        using var slow = await JoinAsync(server);
        using var talker = await JoinAsync(server);
        using var listener = await JoinAsync(server);
        await SettleAsync(talker, listener);
        var payload = new string('y', 8 * 1024);

        // Lockstep with the listener: only the slow client, whose socket buffers fill, can fall behind.
        var dropped = false;
        for (var i = 0; i < 20_000 && !dropped; i++)
        {
            await talker.Client.SendAsync($"{i} {payload}");
            var received = await listener.Client.ReadLineAsync();
            if (received == $"* {slow.Name} left (too slow: its send queue is full)")
            {
                dropped = true;
                received = await listener.Client.ReadLineAsync();
            }

            Assert.Equal($"{talker.Name}: {i} {payload}", received);
        }

        Assert.True(dropped, "The slow client was never dropped.");
        await talker.Client.SendAsync("after");
        Assert.Equal($"{talker.Name}: after", await listener.Client.ReadLineAsync());
        Assert.DoesNotContain(slow.Name, room.Nicknames);
        Assert.Empty(server.Errors);
    }

    private static async Task<Member> JoinAsync(SampleSocketServer server)
    {
        var client = await LineClient.ConnectAsync(server.EndPoint);
        var welcome = await client.ReadLineAsync();
        Assert.StartsWith("* welcome ", welcome, StringComparison.Ordinal);
        return new Member(client, welcome!.Split(' ', ';')[2]);
    }

    /// <summary>Reads each client's join notices away, and makes sure every join has been seen.</summary>
    private static async Task SettleAsync(params Member[] clients)
    {
        foreach (var member in clients)
        {
            var client = member.Client;
            await client.SendAsync("/who");
            await client.ReadUntilAsync(l => l.StartsWith("* here: ", StringComparison.Ordinal));
        }
    }

    private static async Task SendLinesAsync(LineClient client, string tag, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync($"{tag}{i}");
        }
    }

    private static async Task<List<string>> ReadMessagesAsync(LineClient client, int count)
    {
        var lines = new List<string>();
        while (lines.Count < count)
        {
            var line = await client.ReadLineAsync() ?? throw new InvalidOperationException("The server closed the connection.");
            if (!line.StartsWith('*'))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static IEnumerable<string> Numbered(string name, string tag, int count) =>
        Enumerable.Range(0, count).Select(i => $"{name}: {tag}{i}");

    private sealed record Member(LineClient Client, string Name) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }
}
