using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Weir.Tests.Kestrel;

/// <summary>samples/KestrelOnWeir run as a user runs it: its own process, bound to 127.0.0.1 port 0.</summary>
internal sealed partial class KestrelOnWeirProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private KestrelOnWeirProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<KestrelOnWeirProcess> StartAsync(string transport)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { SampleAssembly(), "--urls", "http://127.0.0.1:0", "--transport", transport })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the sample.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The sample exited before listening."));
            }
            else if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new KestrelOnWeirProcess(process, await listening.Task.WaitAsync(StartTimeout));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    private static string SampleAssembly()
    {
        // tests/Weir.Tests/bin/<Configuration>/net10.0/ -> samples/KestrelOnWeir/bin/<Configuration>/net10.0/
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = output.Parent!.Name;
        var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "samples", "KestrelOnWeir", "bin", configuration, "net10.0", "KestrelOnWeir.dll");
    }

    [GeneratedRegex(@"^listening on (http://[^ ,]+)")]
    private static partial Regex ListeningLine();
}
