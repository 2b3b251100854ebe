using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Weir.Tests.Sockets;

/// <summary>samples/EchoServer in its own process, as users run it, on 127.0.0.1.</summary>
internal sealed partial class ReusePortEchoProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private ReusePortEchoProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts the sample and waits until it listens.</summary>
    public static async Task<ReusePortEchoProcess> StartAsync(params string[] arguments)
    {
        var errors = new StringBuilder();
        var process = Start(arguments, errors);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"The sample exited before listening: {Errors(errors)}"));
            }
            else if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new ReusePortEchoProcess(process, await listening.Task.WaitAsync(StartTimeout));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Runs the sample to its exit, which it reaches at once when it cannot bind.</summary>
    public static async Task<(int ExitCode, string Errors)> RunToExitAsync(params string[] arguments)
    {
        var errors = new StringBuilder();
        using var process = Start(arguments, errors);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(StartTimeout, TestContext.Current.CancellationToken);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, Errors(errors));
    }

    /// <summary>Whether this process holds the socket with the given inode (from <c>/proc/net/tcp</c>).</summary>
    public bool OwnsSocket(long inode)
    {
        var target = $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
        foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{_process.Id}/fd"))
        {
            if (new FileInfo(descriptor).LinkTarget == target)
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    private static Process Start(string[] arguments, StringBuilder errors)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SampleAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException("Could not start the sample.");
        }

        return process;
    }

    private static string Errors(StringBuilder errors)
    {
        lock (errors)
        {
            return errors.ToString();
        }
    }

    private static string SampleAssembly()
    {
        // tests/Weir.Tests/bin/<Configuration>/net10.0/ -> samples/EchoServer/bin/<Configuration>/net10.0/
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = output.Parent!.Name;
        var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "samples", "EchoServer", "bin", configuration, "net10.0", "EchoServer.dll");
    }

    [GeneratedRegex(@"^listening on \S*:(\d+)")]
    private static partial Regex ListeningLine();
}
