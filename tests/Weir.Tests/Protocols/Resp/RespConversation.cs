using System.Text;
using RespServer;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Resp;

/// <summary>Runs <see cref="RespConnectionHandler"/> over in-process pipes: sends pieces, returns every reply byte.</summary>
internal static class RespConversation
{
    public static Task<string> RunAsync(RespConnectionHandler handler, string requests) =>
        RunAsync(handler, [Encoding.ASCII.GetBytes(requests)]);

    public static async Task<string> RunAsync(RespConnectionHandler handler, IEnumerable<byte[]> pieces, PipeConnection? connection = null)
    {
        connection ??= new PipeConnection();
        var serving = handler.OnConnectedAsync(connection.Server);
        foreach (var piece in pieces)
        {
            await connection.Client.Output.WriteAsync(piece);
        }

        await connection.Client.Output.CompleteAsync();
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        await connection.Server.Transport.Output.CompleteAsync();
        // Latin-1 maps every byte to one char, so binary values compare exactly.
        return Encoding.Latin1.GetString(await connection.ReadToEndAsync());
    }

    /// <summary>A request as a RESP array of bulk strings, the way clients send it.</summary>
    public static string Command(params string[] arguments)
    {
        var request = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.ASCII.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        return request.ToString();
    }
}
