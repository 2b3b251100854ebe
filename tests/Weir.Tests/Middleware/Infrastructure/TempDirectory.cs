namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>A fresh directory under the system's temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("weir-middleware-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file here (haproxy's last breath) only leaves litter in /tmp.
        }
    }
}
