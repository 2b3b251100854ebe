using System.Diagnostics;
using System.Threading.Channels;

namespace Weir.LoadTest.Clients;

/// <summary>
/// One run of the native client: its standard output read line by line (<c>measuring</c>, <c>done</c>,
/// <c>ready …</c>, <c>result …</c>), its standard error passed through, and the process killed if it is still
/// there when this is disposed.
/// </summary>
internal sealed class NativeClientProcess : IAsyncDisposable
{
    private const int KeptErrorLines = 20;

    private readonly Process _process;
    private readonly ChannelReader<string> _lines;
    private readonly Queue<string> _errors = new();

    private NativeClientProcess(Process process, ChannelReader<string> lines)
    {
        _process = process;
        _lines = lines;
    }

    public static NativeClientProcess Start(ProcessStartInfo start)
    {
        var lines = Channel.CreateUnbounded<string>();
        var process = new Process { StartInfo = start };
        var client = new NativeClientProcess(process, lines.Reader);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                lines.Writer.TryComplete();
            }
            else
            {
                lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                client.KeepError(e.Data);
                Console.Error.WriteLine($"[load client] {e.Data}");
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start the native client ({start.FileName}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>
    /// Reads lines until one starts with <paramref name="prefix"/> and returns it; <c>progress</c> lines on the way
    /// go to <paramref name="progress"/>. Throws if the client exits or stays silent past <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> ExpectAsync(string prefix, TimeSpan timeout, Action<string> progress, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (await _lines.WaitToReadAsync(deadline.Token))
            {
                while (_lines.TryRead(out var line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }

                    if (line.StartsWith("progress ", StringComparison.Ordinal))
                    {
                        progress(line["progress ".Length..]);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The native client did not say '{prefix.Trim()}' within {timeout.TotalSeconds:F0} s.{ErrorTail()}");
        }

        await _process.WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"The native client exited (code {_process.ExitCode}) before saying '{prefix.Trim()}'.{ErrorTail()}");
    }

    /// <summary>Tells a client holding idle connections to close them (any line on its standard input).</summary>
    public async Task ReleaseAsync()
    {
        await _process.StandardInput.WriteLineAsync("release");
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void KeepError(string line)
    {
        lock (_errors)
        {
            _errors.Enqueue(line);
            if (_errors.Count > KeptErrorLines)
            {
                _errors.Dequeue();
            }
        }
    }

    private string ErrorTail()
    {
        lock (_errors)
        {
            return _errors.Count == 0 ? "" : $" Its last words: {string.Join(" / ", _errors)}";
        }
    }
}
