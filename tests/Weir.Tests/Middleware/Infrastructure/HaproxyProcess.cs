using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>
/// A real HAProxy in TCP mode in front of a backend, started in the foreground (<c>-db</c>) from a config in a
/// temp directory. HAProxy needs a concrete port, so one is taken from the kernel (bind to port 0, read, close);
/// another process may grab it in between, so a start that fails to bind is retried with a new port.
/// </summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;

    private HaproxyProcess(Process process, TempDirectory directory, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <param name="address">The loopback address to listen on (IPv4 or IPv6).</param>
    /// <param name="backend">The backend's endpoint.</param>
    /// <param name="serverOptions">What follows <c>server s1 ADDRESS</c>, e.g. <c>send-proxy-v2</c>.</param>
    /// <param name="frontendLines">Extra lines for the frontend section.</param>
    public static async Task<HaproxyProcess> StartAsync(IPAddress address, IPEndPoint backend, string serverOptions, params string[] frontendLines)
    {
        var directory = new TempDirectory();
        for (var attempt = 1; ; attempt++)
        {
            var endPoint = new IPEndPoint(address, FreePort(address));
            var config = directory.File("haproxy.cfg");
            await File.WriteAllTextAsync(config, Config(endPoint, backend, serverOptions, frontendLines), TestContext.Current.CancellationToken);
            var process = Process.Start(new ProcessStartInfo("haproxy", ["-f", config, "-db"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

            if (await WaitUntilListeningAsync(process, endPoint))
            {
                return new HaproxyProcess(process, directory, endPoint);
            }

            var output = await errors.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
            process.Dispose();
            if (attempt == 5 || !output.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                directory.Dispose();
                throw new InvalidOperationException($"haproxy did not start: {output}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().WaitAsync(TestTimeouts.HangGuard);
        _process.Dispose();
        _directory.Dispose();
    }

    private static string Config(IPEndPoint endPoint, IPEndPoint backend, string serverOptions, string[] frontendLines) =>
        $"""
        defaults
            mode tcp
            timeout connect 5s
            timeout client 30s
            timeout server 30s

        frontend weir_test
            bind {Format(endPoint)}
        {string.Concat(frontendLines.Select(l => $"    {l}\n"))}    default_backend weir_backend

        backend weir_backend
            server s1 {Format(backend)} {serverOptions}

        """;

    private static string Format(IPEndPoint endPoint) =>
        endPoint.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{endPoint.Address}]:{endPoint.Port}"
            : $"{endPoint.Address}:{endPoint.Port}";

    private static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Watches the kernel's socket table for the listening port rather than connecting to it, since a probe
    /// connection would reach the backend as a connection of its own.
    /// </summary>
    private static async Task<bool> WaitUntilListeningAsync(Process process, IPEndPoint endPoint)
    {
        var table = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? "/proc/net/tcp6" : "/proc/net/tcp";
        var port = ":" + endPoint.Port.ToString("X4", CultureInfo.InvariantCulture);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TestTimeouts.HangGuard)
        {
            if (process.HasExited)
            {
                return false;
            }

            var lines = await File.ReadAllLinesAsync(table, TestContext.Current.CancellationToken);
            if (lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f[1].EndsWith(port, StringComparison.Ordinal) && f[3] == "0A"))
            {
                return true;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("haproxy did not start listening.");
    }
}
