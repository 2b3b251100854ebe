using ChatServer;
using Microsoft.Extensions.Time.Testing;
using Weir.Diagnostics;

namespace Weir.Tests.Protocols.Chat;

public sealed class ChatRoomTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ALineReachesEveryOtherClientButNotItsSender()
    {
        var handler = Handler();
        var (a, nameA) = await ChatSession.JoinAsync(handler);
        var (b, _) = await ChatSession.JoinAsync(handler);
        var (c, _) = await ChatSession.JoinAsync(handler);

        await a.Client.SendAsync("hello room");

        Assert.Equal($"{nameA}: hello room", await b.Client.ReadUntilAsync(l => !l.EndsWith(" joined", StringComparison.Ordinal)));
        Assert.Equal($"{nameA}: hello room", await c.Client.ReadUntilAsync(l => !l.EndsWith(" joined", StringComparison.Ordinal)));
        await a.Client.SendAsync("/who");
        Assert.StartsWith("* here: ", await a.Client.ReadUntilAsync(l => !l.EndsWith(" joined", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NicknamesChangeAndStayUnique()
    {
        var handler = Handler();
        var (a, nameA) = await ChatSession.JoinAsync(handler);
        var (b, _) = await ChatSession.JoinAsync(handler);

        await a.Client.SendAsync("/nick alice");
        Assert.Equal("* you are now alice", await a.Client.ReadUntilAsync(l => l.StartsWith("* you", StringComparison.Ordinal)));
        Assert.Equal($"* {nameA} is now alice", await b.Client.ReadUntilAsync(l => l.Contains(" is now ", StringComparison.Ordinal)));
        await b.Client.SendAsync("/nick ALICE");
        Assert.Equal("* ALICE is taken", await b.Client.ReadLineAsync());
        await b.Client.SendAsync("/nick bad name!");
        Assert.StartsWith("* a nickname is 1 to 32", await b.Client.ReadLineAsync(), StringComparison.Ordinal);
        await a.Client.SendAsync("hi");
        Assert.Equal("alice: hi", await b.Client.ReadLineAsync());
    }

    [Fact]
    public async Task QuitSaysByeAndTheOthersSeeTheClientLeave()
    {
        var handler = Handler();
        var (a, nameA) = await ChatSession.JoinAsync(handler);
        var (b, _) = await ChatSession.JoinAsync(handler);

        await a.Client.SendAsync("/quit");

        Assert.Equal("* bye: quit", (await a.Client.ReadToEndAsync()).Last());
        Assert.Equal($"* {nameA} left (quit)", await b.Client.ReadUntilAsync(l => l.Contains("left", StringComparison.Ordinal)));
        await a.Serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AClientThatStopsReadingIsDroppedAndTheRestCarryOn()
    {
        var handler = Handler(new ChatOptions { SendQueueCapacity = 8, MaximumLineLength = 2000 });
        var (slow, slowName) = await ChatSession.JoinAsync(handler);
        var (talker, talkerName) = await ChatSession.JoinAsync(handler);
        var (listener, _) = await ChatSession.JoinAsync(handler);
        await talker.Client.ReadUntilAsync(l => l.EndsWith(" joined", StringComparison.Ordinal));
        await listener.Client.SendAsync("/who");
        await listener.Client.ReadUntilAsync(l => l.StartsWith("* here", StringComparison.Ordinal));
        var line = new string('x', 1000);

        // Lockstep with the listener, so only the slow client can fall behind: its pipe fills, then its queue.
        var dropped = false;
        for (var i = 0; i < 1000 && !dropped; i++)
        {
            await talker.Client.SendAsync($"{i} {line}");
            var received = await listener.Client.ReadLineAsync();
            if (received == $"* {slowName} left (too slow: its send queue is full)")
            {
                dropped = true;
                received = await listener.Client.ReadLineAsync();
            }

            Assert.Equal($"{talkerName}: {i} {line}", received);
        }

        Assert.True(dropped, "The slow client was never dropped.");
        await slow.Serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(ConnectionCloseReason.LimitExceeded, slow.Connection.CloseReason.Reason);
        await talker.Client.SendAsync("still here");
        Assert.Equal($"{talkerName}: still here", await listener.Client.ReadLineAsync());
    }

    [Fact]
    public async Task AnIdleClientIsDroppedAndAnActiveOneIsNot()
    {
        var handler = Handler(new ChatOptions { IdleTimeout = TimeSpan.FromMinutes(1) });
        var (idle, idleName) = await ChatSession.JoinAsync(handler);
        var (active, activeName) = await ChatSession.JoinAsync(handler);

        _time.Advance(TimeSpan.FromSeconds(59));
        await active.Client.SendAsync("ping");
        Assert.Equal($"{activeName}: ping", await idle.Client.ReadUntilAsync(l => !l.EndsWith(" joined", StringComparison.Ordinal)));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("* bye: idle timeout", (await idle.Client.ReadToEndAsync()).Last());
        await idle.Serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(ConnectionCloseReason.Timeout, idle.Connection.CloseReason.Reason);
        Assert.Equal($"* {idleName} left (idle timeout)", await active.Client.ReadUntilAsync(l => l.Contains("left", StringComparison.Ordinal)));
        await active.Client.SendAsync("/who");
        Assert.Equal($"* here: {activeName}", await active.Client.ReadLineAsync());
    }

    [Fact]
    public async Task ALineOverTheLimitClosesThatClientWithAReason()
    {
        var handler = Handler(new ChatOptions { MaximumLineLength = 100 });
        var (a, nameA) = await ChatSession.JoinAsync(handler);
        var (b, _) = await ChatSession.JoinAsync(handler);

        await a.Client.SendRawAsync(new byte[101]);

        Assert.Equal("* bye: line longer than 100 bytes", (await a.Client.ReadToEndAsync()).Last());
        Assert.Equal(ConnectionCloseReason.ProtocolError, a.Connection.CloseReason.Reason);
        Assert.Equal($"* {nameA} left (line longer than 100 bytes)", await b.Client.ReadUntilAsync(l => l.Contains("left", StringComparison.Ordinal)));
    }

    private ChatConnectionHandler Handler(ChatOptions? options = null) => new(new ChatRoom(options, _time));
}
