namespace Weir.Samples;

/// <summary>How every sample runs its server: start, say where it listens, stop gracefully on Ctrl+C or SIGTERM.</summary>
internal static class SampleHost
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts <paramref name="server"/>, prints <c>listening on &lt;endpoint&gt;</c> (as bound, so port 0 shows the real
    /// port), waits for Ctrl+C or SIGTERM, then stops it, giving connections <see cref="StopTimeout"/> to finish.
    /// </summary>
    public static async Task RunUntilStoppedAsync(Server server)
    {
        // Registered before the server starts, so a signal sent as soon as the line is read is not lost.
        using var signal = new ShutdownSignal();
        await server.StartAsync();
        Print($"listening on {server.EndPoints[0]}");
        await signal.Received;
        using var deadline = new CancellationTokenSource(StopTimeout);
        await server.StopAsync(deadline.Token);
    }

    /// <summary>Writes a line to standard output and flushes it, so a parent process reading the pipe sees it at once.</summary>
    public static void Print(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
