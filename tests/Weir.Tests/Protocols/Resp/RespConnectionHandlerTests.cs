using System.Buffers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RespServer;
using Weir.Diagnostics;
using Weir.Tests.Protocols.Infrastructure;
using static Weir.Tests.Protocols.Resp.RespConversation;

namespace Weir.Tests.Protocols.Resp;

public sealed class RespConnectionHandlerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly RespStore _store;
    private readonly RespConnectionHandler _handler;

    public RespConnectionHandlerTests()
    {
        _store = new RespStore(_time);
        _handler = new RespConnectionHandler(_store, new RespLimits { MaximumBulkLength = 1000, MaximumArguments = 10, MaximumInlineLength = 100 });
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task SetThenGetReturnsTheValue()
    {
        var replies = await RunAsync(_handler, Command("SET", "k", "v") + Command("GET", "k") + Command("GET", "missing"));

        Assert.Equal("+OK\r\n$1\r\nv\r\n$-1\r\n", replies);
    }

    [Fact]
    public async Task InlineCommandsAreUnderstood()
    {
        var replies = await RunAsync(_handler, "PING\r\nSET  k   hello\nGET k\r\n\r\nECHO hi\r\n");

        Assert.Equal("+PONG\r\n+OK\r\n$5\r\nhello\r\n$2\r\nhi\r\n", replies);
    }

    [Fact]
    public async Task PipelinedRequestsAreAnsweredInOneFlush()
    {
        var connection = new PipeConnection();
        await connection.Client.Output.WriteAsync(Encoding.ASCII.GetBytes(Command("SET", "a", "1") + Command("INCR", "a") + Command("GET", "a")), TestContext.Current.CancellationToken);

        var serving = _handler.OnConnectedAsync(connection.Server);
        var first = await connection.Client.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal("+OK\r\n:2\r\n$1\r\n2\r\n", Encoding.ASCII.GetString(first.Buffer.ToArray()));
        connection.Client.Input.AdvanceTo(first.Buffer.End);
        await connection.Client.Output.CompleteAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ALongPipelineOfLargeRepliesMeetsBackPressureInsteadOfBufferingEveryReply()
    {
        var connection = new PipeConnection();
        var big = new string('v', 900);
        var requests = new StringBuilder(Command("SET", "big", big));
        for (var i = 0; i < 500; i++)
        {
            requests.Append(Command("GET", "big"));
        }

        await connection.Client.Output.WriteAsync(Encoding.ASCII.GetBytes(requests.ToString()), TestContext.Current.CancellationToken);
        await connection.Client.Output.CompleteAsync();
        var serving = _handler.OnConnectedAsync(connection.Server);

        // 500 replies of 900 bytes are far over the pipe's 64 KiB pause threshold: the first ones must arrive
        // while the handler is still held back, waiting for this reader.
        var first = await connection.Client.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(serving.IsCompleted);
        Assert.InRange(first.Buffer.Length, 1, 100_000);
        Assert.StartsWith("+OK\r\n$900\r\n", Encoding.ASCII.GetString(first.Buffer.Slice(0, 14).ToArray()), StringComparison.Ordinal);
        connection.Client.Input.AdvanceTo(first.Buffer.Start);

        var reading = connection.ReadToEndAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await connection.Server.Transport.Output.CompleteAsync();
        Assert.Equal(5 + (500 * (6 + 900 + 2)), (await reading).Length);
    }

    [Fact]
    public async Task EveryStringAndKeyCommandAnswersLikeRedis()
    {
        var replies = await RunAsync(_handler,
            Command("MSET", "a", "1", "b", "2") +
            Command("MGET", "a", "nope", "b") +
            Command("EXISTS", "a", "b", "nope", "a") +
            Command("DEL", "a", "nope") +
            Command("DECR", "b") +
            Command("DECR", "fresh") +
            Command("INCR", "a") +
            Command("SET", "s", "text") +
            Command("INCR", "s") +
            Command("SET", "max", "9223372036854775807") +
            Command("INCR", "max") +
            Command("DBSIZE") +
            Command("FLUSHALL") +
            Command("DBSIZE"));

        Assert.Equal(
            "+OK\r\n" +
            "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n" +
            ":3\r\n" +
            ":1\r\n" +
            ":1\r\n" +
            ":-1\r\n" +
            ":1\r\n" +
            "+OK\r\n" +
            "-ERR value is not an integer or out of range\r\n" +
            "+OK\r\n" +
            "-ERR value is not an integer or out of range\r\n" +
            ":5\r\n" +
            "+OK\r\n" +
            ":0\r\n",
            replies);
    }

    [Fact]
    public async Task SetWithNxAndXxWritesOnlyWhenTheKeyIsAbsentOrPresent()
    {
        var replies = await RunAsync(_handler,
            Command("SET", "k", "1", "XX") + Command("SET", "k", "1", "NX") + Command("SET", "k", "2", "NX") +
            Command("SET", "k", "3", "XX") + Command("GET", "k") + Command("SET", "k", "1", "NX", "XX"));

        Assert.Equal("$-1\r\n+OK\r\n$-1\r\n+OK\r\n$1\r\n3\r\n-ERR syntax error\r\n", replies);
    }

    [Fact]
    public async Task AKeySetWithExVanishesWhenItsTimeComes()
    {
        Assert.Equal("+OK\r\n:10\r\n:10000\r\n", await RunAsync(_handler, Command("SET", "k", "v", "EX", "10") + Command("TTL", "k") + Command("PTTL", "k")));

        _time.Advance(TimeSpan.FromMilliseconds(9999));
        Assert.Equal("$1\r\nv\r\n", await RunAsync(_handler, Command("GET", "k")));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("$-1\r\n:-2\r\n:0\r\n", await RunAsync(_handler, Command("GET", "k") + Command("TTL", "k") + Command("EXISTS", "k")));
    }

    [Fact]
    public async Task AKeySetWithPxExpiresInMilliseconds()
    {
        await RunAsync(_handler, Command("SET", "k", "v", "PX", "1500"));

        _time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal("$-1\r\n", await RunAsync(_handler, Command("GET", "k")));
    }

    [Fact]
    public async Task ExpireAndTtlFollowRedisRules()
    {
        var replies = await RunAsync(_handler,
            Command("EXPIRE", "nope", "10") + Command("SET", "k", "v") + Command("TTL", "k") + Command("EXPIRE", "k", "5") +
            Command("TTL", "k") + Command("SET", "k", "v2") + Command("TTL", "k") + Command("EXPIRE", "k", "0") + Command("EXISTS", "k") +
            Command("SET", "k", "v", "EX", "0") + Command("SET", "k", "v", "EX", "x"));

        Assert.Equal(
            ":0\r\n+OK\r\n:-1\r\n:1\r\n:5\r\n+OK\r\n:-1\r\n:1\r\n:0\r\n" +
            "-ERR invalid expire time in 'set' command\r\n-ERR invalid expire time in 'set' command\r\n",
            replies);
    }

    [Fact]
    public async Task TheSweepRemovesExpiredKeysNobodyTouches()
    {
        await RunAsync(_handler, Command("SET", "a", "v", "PX", "100") + Command("SET", "b", "v"));

        Assert.Equal(2, _store.StoredCount);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, _store.StoredCount);
    }

    [Fact]
    public async Task TheCommandsClientsSendOnConnectingAreAnswered()
    {
        var replies = await RunAsync(_handler,
            Command("COMMAND", "DOCS") + Command("CLIENT", "SETINFO", "lib-name", "x") + Command("CONFIG", "GET", "save") +
            Command("CONFIG", "GET", "appendonly") + Command("SELECT", "0") + Command("SELECT", "1") + Command("HELLO", "3") +
            Command("PING", "hi"));

        Assert.Equal(
            "*0\r\n+OK\r\n*2\r\n$4\r\nsave\r\n$0\r\n\r\n*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n+OK\r\n" +
            "-ERR DB index is out of range\r\n-NOPROTO unsupported protocol version\r\n$2\r\nhi\r\n",
            replies);
    }

    [Fact]
    public async Task HelloTwoAnswersWithTheServersDescription()
    {
        var replies = await RunAsync(_handler, Command("HELLO", "2"));

        Assert.StartsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n", replies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommandsAndWrongAritiesGetErrorsAndTheConnectionGoesOn()
    {
        var replies = await RunAsync(_handler, Command("NOSUCH", "a\r\nb") + Command("GET") + Command("get", "a", "b") + Command("PING"));

        Assert.Equal(
            "-ERR unknown command 'NOSUCH', with args beginning with: 'a  b' \r\n" +
            "-ERR wrong number of arguments for 'get' command\r\n" +
            "-ERR wrong number of arguments for 'get' command\r\n" +
            "+PONG\r\n",
            replies);
    }

    [Fact]
    public async Task QuitAnswersOkAndEndsTheConnection()
    {
        var replies = await RunAsync(_handler, Command("QUIT") + Command("PING"));

        Assert.Equal("+OK\r\n", replies);
    }

    [Theory]
    [InlineData("*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [InlineData("*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    [InlineData("*1\r\n:1\r\n", "-ERR Protocol error: expected ':', got ':'\r\n")]
    [InlineData("*1\r\n$1001\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [InlineData("*11\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    [InlineData("*1\r\n$1\r\nabc\r\n", "-ERR Protocol error: a bulk string does not end with CRLF\r\n")]
    [InlineData("*100000000000000000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    public async Task MalformedRequestsGetAProtocolErrorThenTheConnectionCloses(string request, string reply)
    {
        var connection = new PipeConnection();

        var replies = await RunAsync(_handler, [Encoding.ASCII.GetBytes(Command("PING") + request + Command("PING"))], connection);

        Assert.Equal("+PONG\r\n" + reply.Replace("expected ':'", "expected '$'", StringComparison.Ordinal), replies);
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
    }

    [Fact]
    public async Task AnInlineLineOverTheLimitIsRefusedBeforeItEnds()
    {
        var replies = await RunAsync(_handler, new string('a', 101));

        Assert.Equal("-ERR Protocol error: too big inline request\r\n", replies);
    }

    [Fact]
    public async Task ARequestCutShortByTheClientGetsAnErrorNotAHang()
    {
        var replies = await RunAsync(_handler, Command("SET", "k", "value")[..^4]);

        Assert.StartsWith("-ERR The input ended in the middle of a message", replies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsSplitAtEveryByteGetTheSameReplies()
    {
        var requests = Encoding.ASCII.GetBytes(
            Command("SET", "key", "value") + "GET key\r\n" + Command("MGET", "key", "x") + Command("DEL", "key") + Command("ECHO", ""));
        const string Expected = "+OK\r\n$5\r\nvalue\r\n*2\r\n$5\r\nvalue\r\n$-1\r\n:1\r\n$0\r\n\r\n";

        for (var split = 0; split <= requests.Length; split++)
        {
            var replies = await RunAsync(_handler, [requests[..split], requests[split..]]);
            Assert.Equal(Expected, replies);
        }
    }
}
