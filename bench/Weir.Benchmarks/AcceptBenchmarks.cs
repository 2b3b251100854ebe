using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Weir.Benchmarks;

/// <summary>
/// A whole short connection: connect, accept, first byte echoed, close. The allocation column is the
/// transport's cost per accepted connection (plus the client socket, the same for both).
/// </summary>
[MemoryDiagnoser]
public class AcceptBenchmarks
{
    private readonly byte[] _probe = [0x2a];
    private readonly byte[] _echo = new byte[1];
    private EchoHost _host = null!;

    [Params("weir", "kestrel")]
    public string Transport { get; set; } = "weir";

    [GlobalSetup]
    public async Task SetupAsync() => _host = await EchoHost.StartAsync(Transport);

    [GlobalCleanup]
    public Task CleanupAsync() => _host.DisposeAsync().AsTask();

    [Benchmark(Description = "connect + accept + first byte + close")]
    public async Task ConnectExchangeClose()
    {
        using var socket = await _host.ConnectAsync();
        await socket.SendAsync(_probe, SocketFlags.None);
        if (await socket.ReceiveAsync(_echo, SocketFlags.None) != 1)
        {
            throw new InvalidOperationException("No echo.");
        }

        socket.Shutdown(SocketShutdown.Both);
    }
}
