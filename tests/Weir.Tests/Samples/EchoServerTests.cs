using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Weir.Tests.Sockets;
using TestCertificates = Weir.Tests.Middleware.Infrastructure.TestCertificates;

namespace Weir.Tests.Samples;

/// <summary>samples/EchoServer as a child process, run the way its README and the load tester run it.</summary>
public sealed partial class EchoServerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("weir")]
    [InlineData("kestrel")]
    public async Task EchoesCheckedBytesOnEitherTransport(string transport)
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0", "--transport", transport);
        var endPoint = IPEndPoint.Parse(await echo.ListeningOnAsync());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, Token);
        var sent = new byte[1024 * 1024];
        new Random(transport.Length).NextBytes(sent);

        var receiving = ReceiveAsync(socket, sent.Length);
        await socket.SendAsync(sent, Token);
        var received = await receiving;

        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.NotEqual(0, endPoint.Port);
        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task ListensOnAUnixSocketWithUnix()
    {
        using var directory = new TempDirectory();
        var path = directory.File("echo.sock");
        await using var echo = SampleProcess.Start("EchoServer", "--unix", path);

        Assert.Equal(path, await echo.ListeningOnAsync());
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), Token);
        await socket.SendAsync("over unix"u8.ToArray(), Token);
        Assert.Equal("over unix", Encoding.ASCII.GetString(await ReceiveAsync(socket, 9)));
    }

    [Fact]
    public async Task OpensslSClientTalksToItWithTls()
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0", "--tls");

        Assert.Equal("hello over tls", await OpensslEchoAsync(await echo.ListeningOnAsync(), "hello over tls"));
    }

    [Fact]
    public async Task OpensslSClientTalksToItWithACertificateFromAFile()
    {
        using var directory = new TempDirectory();
        var file = directory.File("server.pfx");
        using (var certificate = TestCertificates.CreateServer())
        {
            await File.WriteAllBytesAsync(file, certificate.Export(X509ContentType.Pkcs12, "secret"), Token);
        }

        await using var echo = SampleProcess.Start("EchoServer", "--port", "0", "--cert", file, "--cert-password", "secret");

        Assert.Equal("from a file", await OpensslEchoAsync(await echo.ListeningOnAsync(), "from a file"));
    }

    [Fact]
    public async Task WithProxyProtocolItPrintsTheClientTheHeaderNames()
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0", "--proxy-protocol");
        var endPoint = IPEndPoint.Parse(await echo.ListeningOnAsync());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, Token);

        await socket.SendAsync(Encoding.ASCII.GetBytes($"PROXY TCP4 192.0.2.7 127.0.0.1 40000 {endPoint.Port}\r\nbehind a proxy"), Token);

        Assert.Equal("behind a proxy", Encoding.ASCII.GetString(await ReceiveAsync(socket, 14)));
        Assert.Equal("connection from 192.0.2.7:40000", await echo.WaitForLineAsync("connection from "));
    }

    [Fact]
    public async Task StatsAndGcCommandsReportTheLiveConnections()
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0");
        var endPoint = IPEndPoint.Parse(await echo.ListeningOnAsync());
        await echo.SendCommandAsync("stats");
        var idle = Stats(await echo.WaitForLineAsync("stats "));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, Token);
        await socket.SendAsync("x"u8.ToArray(), Token);
        await ReceiveAsync(socket, 1);

        await echo.SendCommandAsync("stats");
        var busy = Stats(await echo.WaitForLineAsync("stats "));
        await echo.SendCommandAsync("gc");
        var collected = Stats(await echo.WaitForLineAsync("stats "));

        Assert.Equal(0, idle.Connections);
        Assert.Equal(1, busy.Connections);
        Assert.Equal(1, collected.Connections);
        Assert.True(busy.Allocated >= idle.Allocated, "Allocated bytes went down.");
        Assert.True(collected.Heap > 0);
    }

    [Fact]
    public async Task TheEndOfStandardInputKeepsItServingAndSigtermStopsItCleanly()
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0");
        var endPoint = IPEndPoint.Parse(await echo.ListeningOnAsync());
        echo.CloseStandardInput();
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(endPoint, Token);
            await socket.SendAsync("still here"u8.ToArray(), Token);
            Assert.Equal("still here", Encoding.ASCII.GetString(await ReceiveAsync(socket, 10)));
        }

        var exitCode = await echo.TerminateAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(0, Stats(await echo.WaitForLineAsync("stats ")).Connections);
    }

    [Fact]
    public async Task AnUnknownOptionExitsWithTheUsage()
    {
        await using var echo = SampleProcess.Start("EchoServer", "--port", "0", "--bogus");

        var (exitCode, errors) = await echo.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("usage: EchoServer", errors, StringComparison.Ordinal);
    }

    /// <summary>Sends a line through <c>openssl s_client</c> and returns the first line it prints back.</summary>
    private static async Task<string?> OpensslEchoAsync(string endPoint, string line)
    {
        var start = new ProcessStartInfo("openssl", ["s_client", "-connect", endPoint, "-quiet"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var openssl = Process.Start(start)!;
        try
        {
            var errors = openssl.StandardError.ReadToEndAsync(Token);
            await openssl.StandardInput.WriteLineAsync(line);
            await openssl.StandardInput.FlushAsync(Token);
            var echoed = await openssl.StandardOutput.ReadLineAsync(Token).AsTask().WaitAsync(SampleProcess.HangGuard, Token);
            Assert.True(echoed is not null, $"openssl s_client printed nothing back; its errors: {(openssl.HasExited ? await errors : "(still running)")}");
            return echoed;
        }
        finally
        {
            openssl.Kill();
            await openssl.WaitForExitAsync(Token);
        }
    }

    private static (long Allocated, long Heap, long Connections) Stats(string line)
    {
        var match = StatsLine().Match(line);
        Assert.True(match.Success, $"Not a stats line: '{line}'.");
        return (long.Parse(match.Groups[1].Value), long.Parse(match.Groups[2].Value), long.Parse(match.Groups[3].Value));
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var received = 0;
        while (received < length)
        {
            var count = await socket.ReceiveAsync(buffer.AsMemory(received), Token).AsTask().WaitAsync(SampleProcess.HangGuard, Token);
            Assert.NotEqual(0, count);
            received += count;
        }

        return buffer;
    }

    [GeneratedRegex(@"^stats allocated=(\d+) heap=(\d+) connections=(\d+) workitems=\d+ threads=\d+$")]
    private static partial Regex StatsLine();
}
