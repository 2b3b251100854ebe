namespace Weir.LoadTest.Servers;

/// <summary>Finds the repository and the echo server built next to this tool.</summary>
internal static class RepositoryLayout
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Transport.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the load test from inside the Weir repository (Transport.sln not found).");
    }

    /// <summary>The echo server of the same configuration as this tool (Release when run with -c Release).</summary>
    public static string EchoServerAssembly()
    {
        var output = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = output.Parent?.Name ?? "Release";
        var path = Path.Combine(Root(), "samples", "EchoServer", "bin", configuration, "net10.0", "EchoServer.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The echo server is not built at {path}; build the solution first.");
    }
}
