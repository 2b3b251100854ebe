using System.Buffers;
using System.Buffers.Text;

namespace RespServer;

/// <summary>Writes RESP2 replies.</summary>
public static class RespReplyWriter
{
    /// <summary>Writes <c>+OK</c>.</summary>
    /// <param name="output">Where the reply goes.</param>
    public static void WriteOk(this IBufferWriter<byte> output) => Write(output, "+OK\r\n"u8);

    /// <summary>Writes a simple string, <c>+text</c>. The text must not hold CR or LF.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="text">The text.</param>
    public static void WriteSimpleString(this IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        Write(output, "+"u8);
        Write(output, text);
        Write(output, "\r\n"u8);
    }

    /// <summary>Writes an error, <c>-ERR …</c>. Line breaks in <paramref name="message"/> become spaces.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="message">The error, starting with its code (<c>ERR</c>, <c>WRONGTYPE</c>, …).</param>
    public static void WriteError(this IBufferWriter<byte> output, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(output, "-"u8);
        var span = output.GetSpan(message.Length);
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            span[i] = c is '\r' or '\n' || c > 0x7E ? (byte)' ' : (byte)c;
        }

        output.Advance(message.Length);
        Write(output, "\r\n"u8);
    }

    /// <summary>Writes an integer, <c>:42</c>.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="value">The integer.</param>
    public static void WriteInteger(this IBufferWriter<byte> output, long value) => WriteHeader(output, (byte)':', value);

    /// <summary>Writes a bulk string, <c>$3\r\nabc</c>.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="value">The bytes.</param>
    public static void WriteBulkString(this IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        WriteHeader(output, (byte)'$', value.Length);
        Write(output, value);
        Write(output, "\r\n"u8);
    }

    /// <summary>Writes a bulk string, <c>$3\r\nabc</c>.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="value">The bytes.</param>
    public static void WriteBulkString(this IBufferWriter<byte> output, in ReadOnlySequence<byte> value)
    {
        WriteHeader(output, (byte)'$', value.Length);
        foreach (var segment in value)
        {
            Write(output, segment.Span);
        }

        Write(output, "\r\n"u8);
    }

    /// <summary>Writes the null bulk string, <c>$-1</c>: no such key.</summary>
    /// <param name="output">Where the reply goes.</param>
    public static void WriteNull(this IBufferWriter<byte> output) => Write(output, "$-1\r\n"u8);

    /// <summary>Writes the header of an array of <paramref name="count"/> replies, which follow it.</summary>
    /// <param name="output">Where the reply goes.</param>
    /// <param name="count">How many replies the array holds.</param>
    public static void WriteArrayHeader(this IBufferWriter<byte> output, int count) => WriteHeader(output, (byte)'*', count);

    private static void WriteHeader(IBufferWriter<byte> output, byte marker, long value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(24);
        span[0] = marker;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        output.Advance(written + 3);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(bytes);
    }
}
