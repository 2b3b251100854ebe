using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace Weir.Benchmarks;

/// <summary>
/// Parsing a batch of 16 frames that arrived in one read, through <see cref="ProtocolReader"/>: the batch is
/// written into a pipe and every frame read back and released. 0 B per batch is the target.
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private const int FramesPerBatch = 16;

    private readonly LengthPrefixedFrameReader _lengthPrefixed = new(new LengthPrefixedFraming { HeaderSize = 4 });
    private readonly DelimitedFrameReader _delimited = new(DelimitedFraming.CarriageReturnLineFeed);
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private byte[] _lengthPrefixedBatch = null!;
    private byte[] _delimitedBatch = null!;
    private ProtocolReader _reader = null!;

    [Params(64, 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[PayloadSize];
        new Random(PayloadSize).NextBytes(payload);
        _lengthPrefixedBatch = Batch(new LengthPrefixedFrameWriter(new LengthPrefixedFraming { HeaderSize = 4 }), payload);

        // A delimited payload must not contain its delimiter.
        payload.AsSpan().Replace((byte)'\n', (byte)'n');
        payload.AsSpan().Replace((byte)'\r', (byte)'r');
        _delimitedBatch = Batch(new DelimitedFrameWriter(DelimitedFraming.CarriageReturnLineFeed), payload);
        _reader = new ProtocolReader(_pipe.Reader);
    }

    [Benchmark(Description = "length-prefixed x16", OperationsPerInvoke = FramesPerBatch)]
    public ValueTask<int> LengthPrefixed() => ReadBatchAsync(_lengthPrefixedBatch, _lengthPrefixed);

    [Benchmark(Description = "delimited (CRLF) x16", OperationsPerInvoke = FramesPerBatch)]
    public ValueTask<int> Delimited() => ReadBatchAsync(_delimitedBatch, _delimited);

    private async ValueTask<int> ReadBatchAsync(byte[] batch, IMessageReader<ReadOnlySequence<byte>> frames)
    {
        _pipe.Writer.Write(batch);
        await _pipe.Writer.FlushAsync();
        var total = 0;
        for (var i = 0; i < FramesPerBatch; i++)
        {
            var result = await _reader.ReadAsync(frames);
            total += (int)result.Message.Length;
            _reader.Advance();
        }

        return total;
    }

    private static byte[] Batch(IMessageWriter<ReadOnlyMemory<byte>> writer, byte[] payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < FramesPerBatch; i++)
        {
            writer.WriteMessage(payload, buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
