using System.Buffers;
using System.Text;

namespace Weir.Middleware.Logging;

/// <summary>Formats bytes as lines of sixteen: offset, hex, and the printable ASCII beside them.</summary>
internal static class HexDump
{
    private const int BytesPerLine = 16;

    public static string Format(ReadOnlySequence<byte> bytes)
    {
        var builder = new StringBuilder();
        Span<byte> line = stackalloc byte[BytesPerLine];
        long offset = 0;
        var reader = new SequenceReader<byte>(bytes);
        while (!reader.End)
        {
            var count = (int)Math.Min(BytesPerLine, reader.Remaining);
            var slice = line[..count];
            reader.TryCopyTo(slice);
            reader.Advance(count);
            AppendLine(builder, offset, slice);
            offset += count;
        }

        return builder.ToString();
    }

    private static void AppendLine(StringBuilder builder, long offset, ReadOnlySpan<byte> line)
    {
        if (offset > 0)
        {
            builder.Append('\n');
        }

        builder.Append(offset.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append("  ");
        for (var i = 0; i < BytesPerLine; i++)
        {
            if (i < line.Length)
            {
                builder.Append(line[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
            }
            else
            {
                builder.Append("   ");
            }
        }

        builder.Append(" |");
        foreach (var b in line)
        {
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        builder.Append('|');
    }
}
