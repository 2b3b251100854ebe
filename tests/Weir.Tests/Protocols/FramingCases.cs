using System.Buffers;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace Weir.Tests.Protocols;

/// <summary>Every framing shape under test, by name, as a matching reader and writer.</summary>
internal static class FramingCases
{
    public static readonly TheoryData<string> Names =
    [
        "len1", "len1-incl", "len2-be", "len2-le", "len2-le-incl", "len4-be", "len4-le", "len4-be-incl",
        "lf", "crlf", "three-byte-delimiter",
    ];

    public static (IMessageReader<ReadOnlySequence<byte>> Reader, IMessageWriter<ReadOnlyMemory<byte>> Writer) Create(string name) =>
        name switch
        {
            "len1" => Length(new LengthPrefixedFraming { HeaderSize = 1 }),
            "len1-incl" => Length(new LengthPrefixedFraming { HeaderSize = 1, LengthIncludesHeader = true }),
            "len2-be" => Length(new LengthPrefixedFraming { HeaderSize = 2 }),
            "len2-le" => Length(new LengthPrefixedFraming { HeaderSize = 2, ByteOrder = ByteOrder.LittleEndian }),
            "len2-le-incl" => Length(new LengthPrefixedFraming { HeaderSize = 2, ByteOrder = ByteOrder.LittleEndian, LengthIncludesHeader = true }),
            "len4-be" => Length(new LengthPrefixedFraming()),
            "len4-le" => Length(new LengthPrefixedFraming { ByteOrder = ByteOrder.LittleEndian }),
            "len4-be-incl" => Length(new LengthPrefixedFraming { LengthIncludesHeader = true }),
            "lf" => Delimited(DelimitedFraming.LineFeed),
            "crlf" => Delimited(DelimitedFraming.CarriageReturnLineFeed),
            "three-byte-delimiter" => Delimited(new DelimitedFraming("|#|"u8)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };

    /// <summary>Whether payloads must avoid delimiter bytes: delimited frames cannot carry their own delimiter.</summary>
    public static bool IsDelimited(string name) => !name.StartsWith("len", StringComparison.Ordinal);

    /// <summary>The largest payload every shape can carry (a 1-byte header counting itself leaves 254).</summary>
    public const int LargestCommonPayload = 254;

    private static (IMessageReader<ReadOnlySequence<byte>>, IMessageWriter<ReadOnlyMemory<byte>>) Length(LengthPrefixedFraming framing) =>
        (new LengthPrefixedFrameReader(framing), new LengthPrefixedFrameWriter(framing));

    private static (IMessageReader<ReadOnlySequence<byte>>, IMessageWriter<ReadOnlyMemory<byte>>) Delimited(DelimitedFraming framing) =>
        (new DelimitedFrameReader(framing), new DelimitedFrameWriter(framing));
}
