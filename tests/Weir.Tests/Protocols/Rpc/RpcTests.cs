using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using LengthPrefixedRpc;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;
using Weir.Diagnostics;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Rpc;

public sealed class RpcTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ACallGetsItsMethodsResult()
    {
        var (client, _, serving) = Connect(Handler());

        await using (client)
        {
            Assert.Equal("olleh", await client.CallAsync("reverse", "hello", TestContext.Current.CancellationToken));
            Assert.Equal("HI", await client.CallAsync("upper", "hi", TestContext.Current.CancellationToken));
            Assert.Empty(await client.CallAsync("echo", ReadOnlyMemory<byte>.Empty, TestContext.Current.CancellationToken));
        }

        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AnswersComeInTheOrderCallsFinishAndReachTheRightCaller()
    {
        var (client, _, _) = Connect(Handler());
        await using var _ = client;

        var slow = client.CallAsync("delay", "1000", TestContext.Current.CancellationToken);
        var fast = await client.CallAsync("echo", "fast", TestContext.Current.CancellationToken);

        Assert.False(slow.IsCompleted);
        Assert.Equal("fast", fast);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("1000", await slow.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnUnknownMethodOrAFailingOneIsAnErrorForThatCallOnly()
    {
        var methods = RpcMethods.CreateSample(_time).Add("fail", static (_, _) => throw new InvalidOperationException("it broke"));
        var (client, _, _) = Connect(new RpcServerHandler(methods));
        await using var _ = client;

        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync("nope", "x", TestContext.Current.CancellationToken));
        var failed = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync("fail", "x", TestContext.Current.CancellationToken));

        Assert.Equal(RpcStatus.UnknownMethod, unknown.Status);
        Assert.Equal("no method named 'nope'", unknown.Message);
        Assert.Equal(RpcStatus.Error, failed.Status);
        Assert.Equal("it broke", failed.Message);
        Assert.Equal("ok", await client.CallAsync("echo", "ok", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 2, 1, 2 })]
    [InlineData(new byte[] { 0, 0, 0, 6, 0, 0, 0, 1, 9, (byte)'x' })]
    [InlineData(new byte[] { 0x7F, 0, 0, 0 })]
    public async Task AMalformedFrameClosesTheConnection(byte[] frame)
    {
        var connection = new PipeConnection();
        var serving = Handler().OnConnectedAsync(connection.Server);

        await connection.Client.Output.WriteAsync(frame, TestContext.Current.CancellationToken);

        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(ConnectionCloseReason.ProtocolError, connection.CloseReason.Reason);
        Assert.IsType<Weir.Protocols.ProtocolException>(connection.CloseReason.Exception);
    }

    [Fact]
    public async Task PendingCallsFailWhenTheConnectionEnds()
    {
        var (client, connection, serving) = Connect(Handler());
        await using var _ = client;
        var pending = client.CallAsync("delay", "60000", TestContext.Current.CancellationToken);

        connection.Server.Abort();
        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await connection.Server.Transport.Output.CompleteAsync();

        await Assert.ThrowsAsync<RpcException>(() => pending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void RequestsRoundTripThroughTheirCodec()
    {
        var codec = new RpcRequestCodec();
        var output = new ArrayBufferWriter<byte>();
        codec.WriteMessage(new RpcRequest(7, "echo", new ReadOnlySequence<byte>("body"u8.ToArray())), output);
        var input = new ReadOnlySequence<byte>(output.WrittenMemory);
        var consumed = input.Start;
        var examined = input.End;

        Assert.True(codec.TryParseMessage(input, ref consumed, ref examined, out var request));
        Assert.Equal(4 + 4 + 1 + 4 + 4, (int)input.Length);
        Assert.Equal(17u - 4, BinaryPrimitives.ReadUInt32BigEndian(output.WrittenSpan));
        Assert.Equal((7u, "echo", "body"), (request.Id, request.Method, Encoding.ASCII.GetString(request.Body)));
        Assert.Equal(input.End, consumed);
    }

    private RpcServerHandler Handler() => new(RpcMethods.CreateSample(_time));

    private static (RpcClient Client, PipeConnection Connection, Task Serving) Connect(RpcServerHandler handler)
    {
        var connection = new PipeConnection();
        var serving = ServeAsync(handler, connection);
        var clientSide = new DefaultConnectionContext("client", connection.Client, connection.Server.Transport);
        return (new RpcClient(clientSide), connection, serving);
    }

    private static async Task ServeAsync(RpcServerHandler handler, PipeConnection connection)
    {
        await handler.OnConnectedAsync(connection.Server);
        await connection.Server.Transport.Output.CompleteAsync();
    }
}
