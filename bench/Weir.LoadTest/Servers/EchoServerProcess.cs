using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Weir.LoadTest.Servers;

/// <summary>
/// One echo server in a child process (samples/EchoServer), with the probes the tables need: its CPU time,
/// resident memory, and the allocation counters it prints when asked on standard input.
/// </summary>
internal sealed partial class EchoServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Read by the runtime at start-up: socket completions then run on the epoll thread instead of being queued
    /// to the thread pool, which is what an inline handler needs to stay on that thread.
    /// </summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private readonly Process _process;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly ChannelReader<string> _statsLines;

    private EchoServerProcess(string transport, Process process, IPEndPoint endPoint, ChannelReader<string> statsLines)
    {
        Transport = transport;
        _process = process;
        EndPoint = endPoint;
        _statsLines = statsLines;
    }

    public string Transport { get; }

    public IPEndPoint EndPoint { get; }

    public int ProcessId => _process.Id;

    public static async Task<EchoServerProcess> StartAsync(string transport, LoadTestOptions options, CancellationToken cancellationToken)
    {
        var (pin, acceptSockets, inline) = (options.Pin, options.AcceptSockets, options.Inline);
        var serverDll = RepositoryLayout.EchoServerAssembly();
        var start = new ProcessStartInfo
        {
            FileName = pin ? "taskset" : "dotnet",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (pin)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("0");
            start.ArgumentList.Add("dotnet");
        }

        foreach (var argument in new[] { serverDll, "--port", "0", "--transport", transport })
        {
            start.ArgumentList.Add(argument);
        }

        if (transport == "weir" && acceptSockets > 1)
        {
            start.ArgumentList.Add("--accept-sockets");
            start.ArgumentList.Add(acceptSockets.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (transport == "weir" && options.WeirAppOnThreadPool)
        {
            start.ArgumentList.Add("--app-on-thread-pool");
        }

        if (transport == "weir" && options.WeirEventLoops is { } loops)
        {
            start.ArgumentList.Add("--event-loops");
            start.ArgumentList.Add(loops.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (inline)
        {
            start.ArgumentList.Add("--inline");
            start.Environment[InlineCompletionsVariable] = "1";
        }
        else
        {
            // A value inherited from the caller's shell would quietly turn the default run into a half-inline one.
            start.Environment.Remove(InlineCompletionsVariable);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the echo server.");
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var statsLines = Channel.CreateUnbounded<string>();

        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"The {transport} echo server exited before listening."));
                return;
            }

            if (e.Data.StartsWith("listening on ", StringComparison.Ordinal))
            {
                listening.TrySetResult(IPEndPoint.Parse(e.Data["listening on ".Length..].Trim()));
            }
            else if (e.Data.StartsWith("stats ", StringComparison.Ordinal))
            {
                statsLines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[{transport} server] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var endPoint = await listening.Task.WaitAsync(StartTimeout, cancellationToken);
            return new EchoServerProcess(transport, process, endPoint, statsLines.Reader);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Asks the server for its counters; <paramref name="collect"/> forces a full GC first (for heap size).</summary>
    public async Task<ServerStats> GetStatsAsync(bool collect, CancellationToken cancellationToken)
    {
        await _commandLock.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteLineAsync(collect ? "gc" : "stats");
            await _process.StandardInput.FlushAsync(cancellationToken);
            var line = await _statsLines.ReadAsync(cancellationToken).AsTask().WaitAsync(AnswerTimeout, cancellationToken);
            return ServerStats.Parse(line) with
            {
                CpuTime = ProcessProbe.CpuTime(_process.Id),
                ResidentBytes = ProcessProbe.ResidentBytes(_process.Id),
            };
        }
        finally
        {
            _commandLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, so the server stops as a user's Ctrl+C would stop it.
            _ = Kill(_process.Id, 15);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"[{Transport} server] did not stop on SIGTERM; killing it.");
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _commandLock.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>What the echo server says of itself, plus what /proc says of it.</summary>
internal readonly record struct ServerStats(long AllocatedBytes, long HeapBytes, long Connections)
{
    public TimeSpan CpuTime { get; init; }

    public long ResidentBytes { get; init; }

    /// <summary>Parses <c>stats allocated=N heap=N connections=N</c>; unknown keys are ignored.</summary>
    public static ServerStats Parse(string line)
    {
        long allocated = 0, heap = 0, connections = 0;
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !long.TryParse(part.AsSpan(eq + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (part[..eq])
            {
                case "allocated":
                    allocated = value;
                    break;
                case "heap":
                    heap = value;
                    break;
                case "connections":
                    connections = value;
                    break;
            }
        }

        return new ServerStats(allocated, heap, connections);
    }
}
