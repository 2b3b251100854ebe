using System.Diagnostics;
using System.Net;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>
/// Runs <c>openssl s_client</c> against a server: it sends <c>input</c>, keeps its stdin open (<c>-ign_eof</c>) so
/// it stays until the server closes, and returns everything it printed (session details and the server's bytes).
/// </summary>
internal static class OpensslClient
{
    public static async Task<string> RunAsync(IPEndPoint server, string input, params string[] options)
    {
        var arguments = new List<string> { "s_client", "-connect", server.ToString(), "-ign_eof" };
        arguments.AddRange(options);
        using var process = Process.Start(new ProcessStartInfo("openssl", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardInput.WriteAsync(input);
        await process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return await output + await errors;
    }
}
