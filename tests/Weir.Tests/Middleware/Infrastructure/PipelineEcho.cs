using System.Buffers;
using System.Text;
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

    /// <summary>Reads one line, answers it, and closes (close_notify, then FIN).</summary>
    public static async Task ReplyToOneLineAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, end).ToArray());
                input.AdvanceTo(buffer.GetPosition(1, end));
                await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes($"echo: {line}\n"));
                break;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await connection.Transport.Output.CompleteAsync();
    }
}
