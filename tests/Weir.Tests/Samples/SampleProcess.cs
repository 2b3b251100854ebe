using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Weir.Tests.Samples;

/// <summary>
/// A built sample run as a child process, as a user or the load tester runs it: its standard input is a pipe the
/// test writes commands to, and its standard output is read line by line.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _reading;
    private readonly Task<string> _errors;

    private SampleProcess(Process process)
    {
        _process = process;
        _reading = ReadLinesAsync();
        _errors = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    /// <summary>Starts the sample <paramref name="name"/>, built next to the tests, with <paramref name="arguments"/>.</summary>
    public static SampleProcess Start(string name, params string[] arguments)
    {
        // The dotnet host that runs the tests, if it says which; the one on the PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, name + ".dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new SampleProcess(Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start."));
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>, and returns it.</summary>
    /// <exception cref="InvalidOperationException">The process ended its output first; the message has what it wrote to standard error.</exception>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(guard.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            throw new TimeoutException($"No line starting with '{prefix}' within {HangGuard}.");
        }

        throw new InvalidOperationException($"The sample ended its output without a line starting with '{prefix}': {await _errors}");
    }

    /// <summary>The text after <c>listening on </c>, once the sample is ready.</summary>
    public async Task<string> ListeningOnAsync() => (await WaitForLineAsync("listening on "))["listening on ".Length..];

    public async Task SendCommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    public void CloseStandardInput() => _process.StandardInput.Close();

    /// <summary>Sends SIGTERM, as a service manager stops a process, and returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(HangGuard);
        }

        await _process.WaitForExitAsync().WaitAsync(HangGuard);
        await _reading.WaitAsync(HangGuard);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to end by itself and returns its exit code and standard error.</summary>
    public async Task<(int ExitCode, string Errors)> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(HangGuard);
        return (_process.ExitCode, await _errors);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(HangGuard);
        }

        _process.Dispose();
    }

    private async Task ReadLinesAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _lines.Writer.TryWrite(line);
        }

        _lines.Writer.TryComplete();
    }
}
