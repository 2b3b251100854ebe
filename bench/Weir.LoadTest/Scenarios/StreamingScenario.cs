using System.Net.Sockets;
using Weir.LoadTest.Clients;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Bulk transfer: each connection writes <c>writeSize</c>-byte chunks as fast as the server takes them while a
/// reader checks the echoed stream byte for byte. At the end the writer half-closes and the reader drains.
/// </summary>
internal sealed class StreamingScenario(string name, int writeSize, int connections) : IScenario
{
    // An odd period, so a chunk that came back shifted or repeated does not line up with the pattern.
    private const int PatternPeriod = 65_521;

    private static readonly byte[] Pattern = MakePattern();

    public string Name => name;

    public string Description => $"{writeSize / 1024} KiB writes, {connections} connections, echoed and checked";

    public PrimaryMetric Primary => PrimaryMetric.MegabytesPerSecond;

    public async Task<RoundResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (context.Native is { } native)
        {
            var arguments = NativeClient.Arguments("stream", ("--connections", connections), ("--size", writeSize));
            return await NativeTimedLoad.RunAsync(context, native, arguments, cancellationToken);
        }

        var sockets = await Connections.ConnectManyAsync(context.EndPoint, connections, cancellationToken);
        try
        {
            return await TimedLoad.RunAsync(
                context,
                window => Task.WhenAll(sockets.SelectMany(s =>
                {
                    var counters = window.NewWorker();
                    return new[]
                    {
                        Task.Run(() => WriteAsync(s, window, counters), cancellationToken),
                        Task.Run(() => ReadAsync(s, writeSize, counters), cancellationToken),
                    };
                })),
                cancellationToken);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private async Task WriteAsync(Socket socket, LoadWindow window, WorkerCounters counters)
    {
        long offset = 0;
        try
        {
            while (!window.Stopping)
            {
                var start = (int)(offset % PatternPeriod);
                await Connections.SendAllAsync(socket, Pattern.AsMemory(start, writeSize), CancellationToken.None);
                offset += writeSize;
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            counters.Error();
        }
    }

    // Operations count whole chunks echoed, so CPU per operation reads as CPU per chunk.
    private static async Task ReadAsync(Socket socket, int chunk, WorkerCounters counters)
    {
        var buffer = new byte[256 * 1024];
        long offset = 0;
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                if (!Matches(buffer.AsSpan(0, n), offset))
                {
                    counters.Mismatch();
                    return;
                }

                counters.Transferred(n, ((offset + n) / chunk) - (offset / chunk));
                offset += n;
            }
        }
        catch (SocketException)
        {
            counters.Error();
        }
    }

    private static bool Matches(ReadOnlySpan<byte> received, long offset)
    {
        while (!received.IsEmpty)
        {
            var start = (int)(offset % PatternPeriod);
            var length = Math.Min(received.Length, PatternPeriod);
            if (!received[..length].SequenceEqual(Pattern.AsSpan(start, length)))
            {
                return false;
            }

            received = received[length..];
            offset += length;
        }

        return true;
    }

    // Two periods and a chunk back to back, so any window of the stream is one contiguous slice.
    private static byte[] MakePattern()
    {
        var pattern = new byte[(PatternPeriod * 2) + (1024 * 1024)];
        new Random(42).NextBytes(pattern.AsSpan(0, PatternPeriod));
        for (var i = PatternPeriod; i < pattern.Length; i++)
        {
            pattern[i] = pattern[i - PatternPeriod];
        }

        return pattern;
    }
}
