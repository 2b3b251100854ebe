using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace Weir.Tests.Protocols.Infrastructure;

/// <summary>A line-based test client over any duplex pipe: in-process pipes or a real socket.</summary>
internal sealed class LineClient : IDisposable
{
    private static readonly DelimitedFrameReader Lines = new(new DelimitedFraming("\n"u8) { MaximumFrameSize = 1024 * 1024 });
    private readonly IDuplexPipe _pipe;
    private readonly ProtocolReader _reader;
    private readonly Socket? _socket;

    public LineClient(IDuplexPipe pipe, Socket? socket = null)
    {
        _pipe = pipe;
        _socket = socket;
        _reader = new ProtocolReader(pipe.Input);
    }

    public static async Task<LineClient> ConnectAsync(EndPoint endPoint)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        var stream = new NetworkStream(socket, ownsSocket: false);
        return new LineClient(new StreamDuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream)), socket);
    }

    public async Task SendAsync(string line) => await _pipe.Output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task SendRawAsync(byte[] bytes) => await _pipe.Output.WriteAsync(bytes);

    /// <summary>Reads the next line, or <see langword="null"/> once the server has closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var result = await _reader.ReadAsync(Lines).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        if (!result.HasMessage)
        {
            return null;
        }

        var line = Encoding.UTF8.GetString(result.Message);
        _reader.Advance();
        return line;
    }

    /// <summary>Reads lines until one satisfies <paramref name="match"/>, and returns it.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> match)
    {
        while (await ReadLineAsync() is { } line)
        {
            if (match(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException("The server closed the connection first.");
    }

    public async Task<List<string>> ReadToEndAsync()
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    public void Dispose() => _socket?.Dispose();

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
