using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Server;

public static class ConnectionExtensions
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    public static async Task SendAsync(this ConnectionContext connection, string text)
    {
        await connection.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);
    }

    /// <summary>Reads until <paramref name="length"/> bytes have arrived, or the input ends.</summary>
    public static async Task<string> ReceiveAsync(this ConnectionContext connection, int length)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(HangGuard, TestContext.Current.CancellationToken);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                var taken = result.Buffer.Slice(0, Math.Min(length, result.Buffer.Length));
                var text = Encoding.UTF8.GetString(taken.ToArray());
                input.AdvanceTo(taken.End);
                return text;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Reads everything until the input ends (a peer's FIN), or its completion error.</summary>
    public static async Task<string> ReceiveToEndAsync(this PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(HangGuard, TestContext.Current.CancellationToken);
            if (result.IsCompleted)
            {
                var text = Encoding.UTF8.GetString(result.Buffer.ToArray());
                input.AdvanceTo(result.Buffer.End);
                return text;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
