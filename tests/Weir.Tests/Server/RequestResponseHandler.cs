using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Weir.Tests.Server;

/// <summary>Counts requests the server began to answer; shared by a test's handlers and the test itself.</summary>
public sealed class RequestStats(int threshold)
{
    private int _processed;

    public int Processed => Volatile.Read(ref _processed);

    /// <summary>Completes once <c>threshold</c> requests have begun.</summary>
    public TaskCompletionSource ThresholdReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Begin()
    {
        if (Interlocked.Increment(ref _processed) == threshold)
        {
            ThresholdReached.TrySetResult();
        }
    }
}

/// <summary>
/// Answers each "req\n" line with a <see cref="ResponseSize"/>-byte response written in two flushes, and
/// finishes between requests once the server asks the connection to close: every request it began is answered.
/// </summary>
public sealed class RequestResponseHandler(RequestStats stats) : ConnectionHandler
{
    public const int ResponseSize = 4096;

    private static readonly byte[] FirstHalf = [.. Enumerable.Repeat((byte)'a', ResponseSize / 2)];
    private static readonly byte[] SecondHalf = [.. Enumerable.Repeat((byte)'b', ResponseSize / 2)];

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var closeRequested = connection.Features.GetRequiredFeature<IConnectionLifetimeNotificationFeature>().ConnectionClosedRequested;
        using var registration = closeRequested.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);

        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } newline)
            {
                buffer = buffer.Slice(buffer.GetPosition(1, newline));
                stats.Begin();
                await output.WriteAsync(FirstHalf);
                await Task.Yield();
                await output.WriteAsync(SecondHalf);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || closeRequested.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
