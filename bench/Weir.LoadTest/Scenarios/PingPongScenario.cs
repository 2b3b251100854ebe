using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Weir.LoadTest.Clients;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Request/response: each connection sends <c>depth</c> messages of <c>size</c> bytes in one write, waits for
/// all of them to come back, checks every byte, and goes again. Depth 1 is ping-pong; more is pipelining.
/// </summary>
internal sealed class PingPongScenario(string name, int size, int connections, int depth) : IScenario
{
    public string Name => name;

    public string Description => depth == 1
        ? $"{size} B messages, {connections} connections, one in flight each"
        : $"{size} B messages, {connections} connections, {depth} in flight each (pipelined)";

    public PrimaryMetric Primary => PrimaryMetric.MessagesPerSecond;

    public async Task<RoundResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (context.Native is { } native)
        {
            var arguments = NativeClient.Arguments("pingpong", ("--connections", connections), ("--size", size), ("--depth", depth));
            return await NativeTimedLoad.RunAsync(context, native, arguments, cancellationToken);
        }

        var sockets = await Connections.ConnectManyAsync(context.EndPoint, connections, cancellationToken);
        try
        {
            return await TimedLoad.RunAsync(
                context,
                window => Task.WhenAll(sockets.Select((s, i) => Task.Run(() => RunConnectionAsync(s, i, window), cancellationToken))),
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

    private async Task RunConnectionAsync(Socket socket, int connection, LoadWindow window)
    {
        var counters = window.NewWorker();
        var batch = new byte[size * depth];
        var echo = new byte[batch.Length];
        new Random(connection).NextBytes(batch);

        for (long sequence = 0; !window.Stopping; sequence++)
        {
            // A fresh stamp in every message, so a stale or repeated echo cannot pass for a right one.
            for (var m = 0; m < depth; m++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(batch.AsSpan((m * size) + ((size - 8) / 2), 8), (sequence * depth) + m);
            }

            var measuring = window.Measuring;
            var start = Stopwatch.GetTimestamp();
            try
            {
                await Connections.SendAllAsync(socket, batch, CancellationToken.None);
                if (!await Connections.ReceiveExactlyAsync(socket, echo, CancellationToken.None))
                {
                    counters.Error();
                    return;
                }
            }
            catch (SocketException)
            {
                counters.Error();
                return;
            }

            var latency = Stopwatch.GetTimestamp() - start;
            if (!echo.AsSpan().SequenceEqual(batch))
            {
                counters.Mismatch();
                return;
            }

            counters.Completed(depth, batch.Length, latency, measuring);
        }
    }
}
