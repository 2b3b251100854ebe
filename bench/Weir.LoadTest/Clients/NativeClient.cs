using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Weir.LoadTest.Servers;

namespace Weir.LoadTest.Clients;

/// <summary>
/// The native load client (native/weirload.c): compiled with the machine's <c>cc</c> into this tool's output
/// folder, again only when the source or the compiler command changes, and run as a child process per round.
/// </summary>
internal sealed class NativeClient
{
    private static readonly string[] CompilerFlags = ["-std=c11", "-O2", "-Wall", "-Wextra"];

    private readonly string _executable;
    private readonly bool _pin;

    private NativeClient(string executable, bool pin)
    {
        _executable = executable;
        _pin = pin;
    }

    /// <summary>Builds the client if it is out of date; null when there is no C compiler to build it with.</summary>
    public static async Task<NativeClient?> BuildAsync(bool pin, CancellationToken cancellationToken)
    {
        var source = Path.Combine(RepositoryLayout.Root(), "bench", "Weir.LoadTest", "native", "weirload.c");
        var directory = Path.Combine(AppContext.BaseDirectory, "native");
        var executable = Path.Combine(directory, "weirload");
        var stampPath = executable + ".sha256";
        var stamp = Stamp(source);
        if (File.Exists(executable) && File.Exists(stampPath) && await File.ReadAllTextAsync(stampPath, cancellationToken) == stamp)
        {
            return new NativeClient(executable, pin);
        }

        Directory.CreateDirectory(directory);
        // Built under a temporary name and renamed, so a concurrent run never starts a half-written file.
        var building = $"{executable}.{Environment.ProcessId}.tmp";
        var compile = new ProcessStartInfo("cc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in CompilerFlags.Concat(["-o", building, source, "-lm"]))
        {
            compile.ArgumentList.Add(argument);
        }

        Process? compiler;
        try
        {
            compiler = Process.Start(compile);
        }
        catch (Win32Exception)
        {
            return null;
        }

        using (compiler)
        {
            if (compiler is null)
            {
                return null;
            }

            var errors = compiler.StandardError.ReadToEndAsync(cancellationToken);
            var output = compiler.StandardOutput.ReadToEndAsync(cancellationToken);
            await compiler.WaitForExitAsync(cancellationToken);
            if (compiler.ExitCode != 0)
            {
                File.Delete(building);
                throw new InvalidOperationException($"cc could not build {source}:\n{await output}{await errors}");
            }
        }

        File.Move(building, executable, overwrite: true);
        await File.WriteAllTextAsync(stampPath, stamp, cancellationToken);
        return new NativeClient(executable, pin);
    }

    /// <summary>The client's arguments for one scenario: its name, then each option with its value.</summary>
    public static string[] Arguments(string scenario, params (string Option, double Value)[] options) =>
        [scenario, .. options.SelectMany(o => new[] { o.Option, o.Value.ToString(CultureInfo.InvariantCulture) })];

    /// <summary>Starts the client against <paramref name="endPoint"/>; on core 1 when the run is pinned.</summary>
    public NativeClientProcess Start(IPEndPoint endPoint, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(_pin ? "taskset" : _executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_pin)
        {
            foreach (var argument in new[] { "-c", "1", _executable })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments.Concat(["--host", endPoint.Address.ToString(), "--port", endPoint.Port.ToString(CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(argument);
        }

        return NativeClientProcess.Start(start);
    }

    private static string Stamp(string source)
    {
        var command = string.Join(' ', CompilerFlags);
        var bytes = File.ReadAllBytes(source).Concat(Encoding.UTF8.GetBytes(command)).ToArray();
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
