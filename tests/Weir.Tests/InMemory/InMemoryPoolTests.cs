using Microsoft.AspNetCore.Connections;
using Weir.InMemory;
using Weir.Tests.Server;

namespace Weir.Tests.InMemory;

/// <summary>The in-memory transport's buffers come from a pinned pool of its own, released with the transport.</summary>
public sealed class InMemoryPoolTests
{
    private static readonly InMemoryEndPoint Here = new("pool");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnreadBytesHoldBlocksOfTheTransportsPoolAndClosingReturnsThemAll()
    {
        await using var transport = new InMemoryTransport();
        await using var listener = await transport.BindAsync(Here, Token);
        var client = await transport.ConnectAsync(Here, Token);
        var server = (await listener.AcceptAsync(Token))!;

        await client.Transport.Output.WriteAsync(new byte[20_000], Token);
        var read = await server.Transport.Input.ReadAtLeastAsync(20_000, Token).AsTask().WaitAsync(ConnectionExtensions.HangGuard, Token);
        var heldWhileUnread = transport.MemoryPool.LiveBlocks;
        server.Transport.Input.AdvanceTo(read.Buffer.End);
        await client.DisposeAsync();
        await server.DisposeAsync();

        Assert.True(heldWhileUnread > 0, "Unread bytes held no block of the transport's pool.");
        Assert.Equal(0, transport.MemoryPool.LiveBlocks);
    }

    [Fact]
    public async Task ADisposedTransportRefusesToBindOrConnect()
    {
        var transport = new InMemoryTransport();
        await using var listener = await transport.BindAsync(Here, Token);

        await transport.DisposeAsync();

        Assert.Null(await listener.AcceptAsync(Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.BindAsync(new InMemoryEndPoint("later"), Token).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.ConnectAsync(Here, Token).AsTask());
    }
}
