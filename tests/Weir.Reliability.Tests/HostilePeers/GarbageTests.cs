using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using RespServer;
using Weir.Diagnostics;
using Weir.Middleware.Tls;
using Weir.Protocols;
using Weir.Protocols.Framing;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.HostilePeers;

public sealed class GarbageTests
{
    private const int GarbageConnections = 20;
    private const int GarbageSize = 8 * 1024;
    private const int TlsHandshakeFailedEventId = 211;

    [Fact]
    public async Task GarbageAtTheTlsMiddlewareClosesEachConnectionWithALoggedReasonAndTlsStillWorks()
    {
        using var certificate = CreateCertificate();
        await using var server = await ReliabilityServer.StartAsync(c => c.UseServerTls(certificate).Run(Echo.RunAsync));

        await SendGarbageAsync(server, random => RandomBytes(random, GarbageSize));

        Assert.Equal(GarbageConnections, server.Logs(TlsHandshakeFailedEventId).Count);
        AssertClosedFor(server, ConnectionCloseReason.TlsHandshakeFailed);
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        await using var tls = new SslStream(new NetworkStream(client), leaveInnerStreamOpen: false, (_, presented, _, _) => certificate.Equals(presented));
        await tls.AuthenticateAsClientAsync("localhost").Within();
        await tls.WriteAsync("hello"u8.ToArray(), Guard.Token);
        var reply = new byte[5];
        await tls.ReadExactlyAsync(reply, Guard.Token).AsTask().Within();
        Assert.Equal("hello"u8.ToArray(), reply);
    }

    [Fact]
    public async Task GarbageAtTheLengthPrefixedFramerClosesEachConnectionWithAProtocolErrorAndFramesStillWork()
    {
        var framing = new LengthPrefixedFraming { MaximumFrameSize = 1024 };
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(
            FrameEcho(new LengthPrefixedFrameReader(framing), new LengthPrefixedFrameWriter(framing))));

        await SendGarbageAsync(server, random => RandomBytes(random, GarbageSize));

        AssertClosedFor(server, ConnectionCloseReason.ProtocolError);
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        byte[] frame = [0, 0, 0, 5, .. "hello"u8];
        await client.SendAllAsync(frame);
        Assert.Equal(frame, await client.ReceiveExactlyAsync(frame.Length));
    }

    [Fact]
    public async Task GarbageAtTheDelimitedFramerClosesEachConnectionWithAProtocolErrorAndLinesStillWork()
    {
        var framing = new DelimitedFraming("\r\n"u8) { MaximumFrameSize = 1024 };
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(
            FrameEcho(new DelimitedFrameReader(framing), new DelimitedFrameWriter(framing))));

        // Random bytes with no line break: a line longer than any the framer accepts.
        await SendGarbageAsync(server, random => [.. RandomBytes(random, GarbageSize).Select(b => b == (byte)'\n' ? (byte)'n' : b)]);

        AssertClosedFor(server, ConnectionCloseReason.ProtocolError);
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAllAsync("hello\r\n"u8.ToArray());
        Assert.Equal("hello\r\n"u8.ToArray(), await client.ReceiveExactlyAsync(7));
    }

    [Fact]
    public async Task GarbageAtTheRespParserGetsAnErrorReplyAndAClosedConnectionAndCommandsStillWork()
    {
        using var store = new RespStore();
        await using var server = await ReliabilityServer.StartAsync(c =>
        {
            var handler = new RespConnectionHandler(store);
            c.Run(handler.OnConnectedAsync);
        });

        var replies = await SendGarbageAsync(server, random => [(byte)'*', .. RandomBytes(random, GarbageSize)]);

        Assert.All(replies, r => Assert.StartsWith("-ERR Protocol error", r, StringComparison.Ordinal));
        AssertClosedFor(server, ConnectionCloseReason.ProtocolError);
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAllAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray());
        Assert.Equal("+PONG\r\n"u8.ToArray(), await client.ReceiveExactlyAsync(7));
    }

    /// <summary>Sends garbage on several connections and reads until the server closes each; returns what each got.</summary>
    private static async Task<string[]> SendGarbageAsync(ReliabilityServer server, Func<Random, byte[]> garbage)
    {
        var connections = Enumerable.Range(0, GarbageConnections).Select(seed => Task.Run(async () =>
        {
            using var client = await RawClient.ConnectAsync(server.EndPoint);
            var reading = ReadUntilClosedAsync(client);
            try
            {
                await client.SendAllAsync(garbage(new Random(seed)));
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
            {
                // The server closed before the garbage was all sent.
            }

            return await reading.Within();
        }));
        var replies = await Task.WhenAll(connections).Within();

        // The server logs a connection's close after disposing it; the peer can see the close a little sooner.
        await Guard.UntilAsync(
            () => server.Logs(Echo.ConnectionClosedEventId).Count >= GarbageConnections,
            () => $"{server.Logs(Echo.ConnectionClosedEventId).Count} of {GarbageConnections} closes logged");
        Assert.Empty(server.Logs(Echo.HandlerFailedEventId));
        return replies;
    }

    private static async Task<string> ReadUntilClosedAsync(Socket client)
    {
        var received = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var n = await client.ReceiveAsync(received.GetMemory(4096), SocketFlags.None, Guard.Token);
                if (n == 0)
                {
                    break;
                }

                received.Advance(n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset)
        {
            // Closed with the garbage unread: a reset instead of a FIN.
        }

        return System.Text.Encoding.ASCII.GetString(received.WrittenSpan);
    }

    private static void AssertClosedFor(ReliabilityServer server, ConnectionCloseReason reason)
    {
        var closes = server.Logs(Echo.ConnectionClosedEventId);
        Assert.Equal(GarbageConnections, closes.Count(r => r.Message.EndsWith($": {reason}.", StringComparison.Ordinal)));
        Report.Line($"garbage: {GarbageConnections} connections of {GarbageSize} random bytes, each closed and logged as {reason}; " +
            "a well-formed client was served afterwards");
    }

    private static Func<ConnectionContext, Task> FrameEcho(
        IMessageReader<ReadOnlySequence<byte>> reader, IMessageWriter<ReadOnlySequence<byte>> writer) => async connection =>
    {
        var input = connection.CreateReader();
        var output = connection.CreateWriter();
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(reader);
                if (!result.HasMessage)
                {
                    return;
                }

                await output.WriteAsync(writer, result.Message);
                input.Advance();
            }
        }
        catch (ProtocolException ex)
        {
            connection.Features.Get<IConnectionCloseReasonFeature>()?.TrySetReason(ConnectionCloseReason.ProtocolError, ex);
        }
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
