using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>Terminal handlers for test pipelines.</summary>
internal static class PipelineEcho
{
    /// <summary>Writes back every byte it reads, then completes its output when the input ends.</summary>
    public static async Task EchoAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                await output.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await output.CompleteAsync();
    }
}
