using System.Buffers;
using System.IO.Pipelines;
using Weir.Protocols;

namespace Weir.Tests.Protocols;

/// <summary>Feeds bytes through a real <see cref="Pipe"/> in chosen pieces and reads frames back out.</summary>
internal static class FramePipe
{
    public static byte[] Encode(IMessageWriter<ReadOnlyMemory<byte>> writer, IEnumerable<byte[]> messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
        {
            writer.WriteMessage(message, output);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// With inline schedulers each flush runs the reader until it needs more bytes, so the reader sees exactly
    /// the pieces given, in order: every split point is really exercised, not merged by timing.
    /// </summary>
    public static async Task<List<byte[]>> FeedInPiecesAsync(
        byte[] stream, IEnumerable<int> pieceSizes, IMessageReader<ReadOnlySequence<byte>> framer, int? maximumMessageSize = null)
    {
        var pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            resumeWriterThreshold: 0,
            useSynchronizationContext: false));
        var reading = ReadAllAsync(new ProtocolReader(pipe.Reader), framer, maximumMessageSize);

        var offset = 0;
        foreach (var size in pieceSizes)
        {
            var piece = Math.Min(size, stream.Length - offset);
            await pipe.Writer.WriteAsync(stream.AsMemory(offset, piece));
            offset += piece;
        }

        await pipe.Writer.WriteAsync(stream.AsMemory(offset));
        await pipe.Writer.CompleteAsync();
        return await reading.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static async Task<List<byte[]>> ReadAllAsync(
        ProtocolReader reader, IMessageReader<ReadOnlySequence<byte>> framer, int? maximumMessageSize = null)
    {
        var messages = new List<byte[]>();
        while (true)
        {
            var result = await reader.ReadAsync(framer, maximumMessageSize);
            if (result.IsCompleted)
            {
                return messages;
            }

            messages.Add(result.Message.ToArray());
            reader.Advance();
        }
    }
}
