using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Weir.Tests.Sockets;

[Collection(nameof(RunsAloneWithDescriptors))]
public sealed class AcceptErrorTests
{
    private const int ResourceOpenFiles = 7;

    [Fact]
    public async Task RunningOutOfDescriptorsIsLoggedAndAcceptingGoesOn()
    {
        var exhausted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logs = new FakeLogCollector(Microsoft.Extensions.Options.Options.Create(new FakeLogCollectorOptions
        {
            OutputSink = line =>
            {
                if (line.Contains("ran out of file descriptors", StringComparison.Ordinal))
                {
                    exhausted.TrySetResult();
                }
            },
        }));
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        await using var harness = await TransportHarness.StartAsync(EndpointKind.IPv4, loggerFactory: loggerFactory);
        await harness.ConnectPairAsync();

        using var late = TransportHarness.CreateClientSocket(harness.Listener.EndPoint);
        var accept = harness.Listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        var fillers = new List<Socket>();
        Assert.Equal(0, GetResourceLimit(ResourceOpenFiles, out var original));
        try
        {
            // Leave no descriptor free, then let a connection arrive: accept() fails with EMFILE.
            var limit = original with { Current = (ulong)Directory.GetFiles("/proc/self/fd").Length + 8 };
            Assert.Equal(0, SetResourceLimit(ResourceOpenFiles, in limit));
            FillDescriptorTable(fillers);
            await late.ConnectAsync(harness.Listener.EndPoint, TestContext.Current.CancellationToken);
            await exhausted.Task.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            Assert.False(accept.IsCompleted);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
            Assert.Equal(0, SetResourceLimit(ResourceOpenFiles, in original));
        }

        await using var connection = await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
        await late.SendAsciiAsync("after");
        Assert.Equal("after"u8.ToArray(), await connection.Transport.Input.ReadExactlyAsync(5));
    }

    private static void FillDescriptorTable(List<Socket> fillers)
    {
        while (true)
        {
            try
            {
                fillers.Add(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                return;
            }
        }
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetResourceLimit(int resource, out ResourceLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit")]
    private static extern int SetResourceLimit(int resource, in ResourceLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ResourceLimit(ulong Current, ulong Maximum);
}
