using System.Buffers;
using System.IO.Pipelines;
using Weir.Protocols;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Fuzzing;

/// <summary>
/// Runs one input through a message reader two ways: straight on a sequence of exact-size segments, and through a
/// pipe and <see cref="ProtocolReader"/>. Anything but a <see cref="ProtocolException"/>, a parse that makes no
/// progress, a message outside the input, or a read that never ends fails with the input in hex.
/// </summary>
internal static class FuzzHarness
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    public static async Task RunAsync<T>(
        Func<IMessageReader<T>> createReader, byte[] input, Random random, Func<T, IEnumerable<ReadOnlySequence<byte>>> parts)
    {
        try
        {
            ParseAll(createReader(), input, random, parts);
            await ReadAllAsync(createReader(), input, random);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"The input {Convert.ToHexString(input)} broke the reader: {ex.Message}", ex);
        }
    }

    private static void ParseAll<T>(IMessageReader<T> reader, byte[] input, Random random, Func<T, IEnumerable<ReadOnlySequence<byte>>> parts)
    {
        var remaining = Segment.Split(input, random);
        try
        {
            while (!remaining.IsEmpty)
            {
                var consumed = remaining.Start;
                var examined = remaining.End;
                if (!reader.TryParseMessage(remaining, ref consumed, ref examined, out var message))
                {
                    return;
                }

                // Slicing checks that both positions lie inside the input, in order.
                var used = remaining.Slice(remaining.Start, consumed).Length;
                _ = remaining.Slice(consumed, examined);
                Assert.True(used > 0, "A message was parsed without consuming any byte: a reader loop would spin.");
                foreach (var part in parts(message))
                {
                    Assert.InRange(part.Length, 0, used);
                    _ = part.ToArray();
                }

                remaining = remaining.Slice(consumed);
            }
        }
        catch (ProtocolException)
        {
            // The one way bad input may end.
        }
    }

    private static async Task ReadAllAsync<T>(IMessageReader<T> reader, byte[] input, Random random)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 16, useSynchronizationContext: false));
        for (var offset = 0; offset < input.Length;)
        {
            var length = Math.Min(input.Length - offset, random.Next(1, 100));
            await pipe.Writer.WriteAsync(input.AsMemory(offset, length), Guard.Token);
            offset += length;
        }

        await pipe.Writer.CompleteAsync();
        var protocol = new ProtocolReader(pipe.Reader);
        try
        {
            for (var messages = 0; ; messages++)
            {
                Assert.InRange(messages, 0, input.Length);
                var result = await protocol.ReadAsync(reader, maximumMessageSize: 4096, Guard.Token).AsTask().WaitAsync(HangGuard, Guard.Token);
                if (!result.HasMessage)
                {
                    break;
                }

                protocol.Advance();
            }
        }
        catch (ProtocolException)
        {
            // The one way bad input may end.
        }

        await pipe.Reader.CompleteAsync();
    }
}
