namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>The process's open file descriptors.</summary>
internal static class Descriptors
{
    public static int Open => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>
    /// Gets the open socket descriptors: what a connection leak grows. The total also moves when the runtime maps
    /// an assembly it loads on first use.
    /// </summary>
    public static int Sockets => Snapshot().Values.Count(t => t.StartsWith("socket:", StringComparison.Ordinal));

    /// <summary>What each descriptor refers to, for a failure message (socket:[inode], pipe:[inode], a path).</summary>
    public static IReadOnlyDictionary<string, string> Snapshot()
    {
        var snapshot = new Dictionary<string, string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                snapshot[Path.GetFileName(fd)] = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                // Closed while listing.
            }
        }

        return snapshot;
    }

    public static string Growth(IReadOnlyDictionary<string, string> before)
    {
        var now = Snapshot();
        return string.Join(", ", now.Where(p => !before.TryGetValue(p.Key, out var was) || was != p.Value).Select(p => $"{p.Key} -> {p.Value}"));
    }
}
