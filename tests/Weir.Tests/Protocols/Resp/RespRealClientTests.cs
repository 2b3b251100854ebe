using System.Net.Sockets;
using System.Text;
using RespServer;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Resp;

/// <summary>RespServer's handler on Weir's sockets, as the sample serves it, driven by the real redis-cli and redis-benchmark.</summary>
public sealed class RespRealClientTests : IAsyncLifetime
{
    private readonly RespStore _store = new();
    private SampleSocketServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await SampleSocketServer.StartAsync(new RespConnectionHandler(_store).OnConnectedAsync);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _store.Dispose();
        Assert.Empty(_server.Errors);
    }

    [Fact]
    public async Task RedisCliSetsAndGetsAValue()
    {
        var set = await RedisCliAsync("SET", "greeting", "hello world");
        var get = await RedisCliAsync("GET", "greeting");
        var missing = await RedisCliAsync("GET", "nothing");

        Assert.Equal("OK", set);
        Assert.Equal("hello world", get);
        Assert.Equal(string.Empty, missing);
    }

    [Fact]
    public async Task RedisCliSeesExpiryAndCounters()
    {
        await RedisCliAsync("SET", "session", "x", "EX", "100");

        Assert.Equal("100", await RedisCliAsync("TTL", "session"));
        Assert.Equal("1", await RedisCliAsync("INCR", "hits"));
        Assert.Equal("2", await RedisCliAsync("INCR", "hits"));
        Assert.Equal("2", await RedisCliAsync("DBSIZE"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public async Task RedisBenchmarkFinishesWithoutErrorsAndItsValuesReadBack(int pipeline)
    {
        var (exitCode, output, error) = await ExternalProcess.RunAsync(
            "redis-benchmark", "-h", "127.0.0.1", "-p", Port, "-t", "ping,set,get", "-n", "20000", "-q", "-P", pipeline.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(exitCode == 0, $"redis-benchmark exited with {exitCode}: {output} {error}");
        foreach (var test in new[] { "PING_INLINE", "PING_MBULK", "SET", "GET" })
        {
            Assert.Contains($"{test}: ", output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ERR", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("rror", output + error, StringComparison.Ordinal);

        // Without -r every SET writes the one key, with redis-benchmark's 3-byte (-d) generated value.
        Assert.Equal(3, (await RedisCliAsync("GET", "key:__rand_int__")).Length);
        Assert.Equal("1", await RedisCliAsync("DBSIZE"));
    }

    [Fact]
    public async Task AClientSendingGarbageIsClosedAndOthersCarryOn()
    {
        using var healthy = await ConnectAsync();
        using var broken = await ConnectAsync();

        await broken.SendAsync("*1\r\n$oops\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        var reply = await ReceiveUntilClosedAsync(broken);
        await healthy.SendAsync(Encoding.ASCII.GetBytes(RespConversation.Command("ECHO", "still here")), TestContext.Current.CancellationToken);
        var buffer = new byte[64];
        var received = await healthy.ReceiveAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", reply);
        Assert.Equal("$10\r\nstill here\r\n", Encoding.ASCII.GetString(buffer, 0, received));
    }

    private string Port => _server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> RedisCliAsync(params string[] command)
    {
        var (exitCode, output, error) = await ExternalProcess.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", Port, .. command]);
        Assert.True(exitCode == 0, $"redis-cli exited with {exitCode}: {error}");
        return output.TrimEnd('\n');
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_server.EndPoint, TestContext.Current.CancellationToken);
        return socket;
    }

    private static async Task<string> ReceiveUntilClosedAsync(Socket socket)
    {
        var all = new StringBuilder();
        var buffer = new byte[256];
        int received;
        while ((received = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(30))) > 0)
        {
            all.Append(Encoding.ASCII.GetString(buffer, 0, received));
        }

        return all.ToString();
    }
}
