using System.Runtime;
using Weir.Samples;

namespace EchoServer;

/// <summary>
/// Reads commands from standard input, one per line, for load tests: <c>stats</c> prints a stats line, <c>gc</c>
/// collects everything it can first. The end of standard input ends the commands, not the server.
/// </summary>
internal sealed class ConsoleCommands(ConnectionCounter connections)
{
    /// <summary>Starts reading on a background thread: a blocking read of standard input must hold no pool thread.</summary>
    public void Start() => new Thread(Run) { IsBackground = true, Name = "EchoServer commands" }.Start();

    /// <summary>The stats line: bytes allocated so far, the managed heap's size, and the connections being served.</summary>
    public string Stats(bool afterFullCollection = false) =>
        $"stats allocated={GC.GetTotalAllocatedBytes(precise: true)} heap={GC.GetTotalMemory(afterFullCollection)} connections={connections.Live} workitems={ThreadPool.CompletedWorkItemCount} threads={ThreadPool.ThreadCount}";

    private void Run()
    {
        while (Console.In.ReadLine() is { } command)
        {
            switch (command.Trim())
            {
                case "stats":
                    SampleHost.Print(Stats());
                    break;
                case "gc":
                    CollectEverything();
                    SampleHost.Print(Stats(afterFullCollection: true));
                    break;
                case "":
                    break;
                default:
                    Console.Error.WriteLine($"unknown command '{command}': use stats or gc");
                    break;
            }
        }
    }

    private static void CollectEverything()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
