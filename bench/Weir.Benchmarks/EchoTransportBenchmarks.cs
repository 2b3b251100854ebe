using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Weir.Benchmarks;

/// <summary>
/// The read/write hot path over one established loopback connection: a request goes out, its echo comes
/// back through the transport under test. Allocations are counted for the whole process, so they include
/// the server's receive and send loops: Weir's must be 0 B per operation.
/// </summary>
[MemoryDiagnoser]
public class EchoTransportBenchmarks
{
    private EchoHost _host = null!;
    private Socket _client = null!;
    private byte[] _small = null!;
    private byte[] _medium = null!;
    private byte[] _pipelined = null!;
    private byte[] _echo = null!;

    [Params("weir", "kestrel")]
    public string Transport { get; set; } = "weir";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EchoHost.StartAsync(Transport);
        _client = await _host.ConnectAsync();
        _small = Payload(64);
        _medium = Payload(4096);
        _pipelined = Payload(64 * 16);
        _echo = new byte[4096];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Benchmark(Description = "ping-pong 64 B")]
    public ValueTask PingPong64() => ExchangeAsync(_small);

    [Benchmark(Description = "ping-pong 4 KiB")]
    public ValueTask PingPong4K() => ExchangeAsync(_medium);

    [Benchmark(Description = "pipelined 16 x 64 B", OperationsPerInvoke = 16)]
    public ValueTask Pipelined16() => ExchangeAsync(_pipelined);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ExchangeAsync(byte[] request)
    {
        var sent = 0;
        while (sent < request.Length)
        {
            sent += await _client.SendAsync(request.AsMemory(sent), SocketFlags.None);
        }

        var received = 0;
        while (received < request.Length)
        {
            var n = await _client.ReceiveAsync(_echo.AsMemory(0, request.Length - received), SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException("The echo server closed the connection.");
            }

            received += n;
        }
    }

    private static byte[] Payload(int size)
    {
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        return payload;
    }
}
