using System.Diagnostics;
using Weir.LoadTest;
using Weir.LoadTest.Reporting;

LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 0;
}

if (options.Pin && Environment.GetEnvironmentVariable(PinnedRun.Marker) is null)
{
    return await PinnedRun.ReexecuteOnCoreOneAsync(args);
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    using var progress = new ProgressDisplay();
    var run = new LoadTestRun(options, progress);
    return await run.ExecuteAsync(cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}

/// <summary>Re-runs this tool under taskset on core 1, so every thread it makes stays there.</summary>
internal static class PinnedRun
{
    public const string Marker = "WEIR_LOADTEST_PINNED";

    public static async Task<int> ReexecuteOnCoreOneAsync(string[] args)
    {
        var start = new ProcessStartInfo("taskset") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("1");
        start.ArgumentList.Add(Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path."));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[Marker] = "1";
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start taskset.");
        await child.WaitForExitAsync();
        return child.ExitCode;
    }
}
