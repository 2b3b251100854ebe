using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace Weir.Tests.Sockets;

internal static class StreamHelpers
{
    public static async Task<byte[]> ReadExactlyAsync(this PipeReader reader, int count)
    {
        while (true)
        {
            var result = await reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                reader.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }

            Assert.False(result.IsCompleted, $"Input ended after {result.Buffer.Length} of {count} bytes.");
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public static async Task<string> ReadToEndAsync(this PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            if (result.IsCompleted)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                reader.AdvanceTo(result.Buffer.End);
                return text;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public static async Task WriteAsciiAsync(this PipeWriter writer, string text)
    {
        var flushed = await writer.WriteAsync(Encoding.ASCII.GetBytes(text), TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.False(flushed.IsCompleted);
    }

    public static Task SendAsciiAsync(this Socket socket, string text) =>
        socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

    public static async Task<string> ReceiveAsciiAsync(this Socket socket, int count) =>
        Encoding.ASCII.GetString(await socket.ReceiveExactlyAsync(count));

    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, TestContext.Current.CancellationToken)
                .AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }

    /// <summary>Receives until the peer's FIN, returning what came before it.</summary>
    public static async Task<string> ReceiveToEndAsync(this Socket socket)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken)
                .AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            if (n == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }
}
