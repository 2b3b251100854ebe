using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class DescriptorExhaustionTests
{
    private const int DescriptorLimit = 128;
    private const int Clients = 250;
    private const int OutOfDescriptorsEventId = 14;
    private const int Echoed = 10;

    [Fact]
    public async Task AListenerOutOfDescriptorsKeepsItsAcceptLoopAndAcceptsAgainOnceSomeAreFree()
    {
        var program = Path.Combine(AppContext.BaseDirectory, "Weir.Reliability.Child.dll");
        using var child = ChildProcess.StartBash($"ulimit -n {DescriptorLimit} && exec dotnet '{program}'");
        var listening = await child.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal)).Within();
        var endPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(listening["listening ".Length..], CultureInfo.InvariantCulture));

        // Connections beyond the child's descriptors wait in the backlog, which is first in, first out.
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var client = await RawClient.ConnectAsync(endPoint);
                clients.Add(client);
                await client.SendAllAsync(new[] { (byte)i });
            }

            await child.WaitForLineAsync(l => l.StartsWith($"log {OutOfDescriptorsEventId} ", StringComparison.Ordinal)).Within();
            var acceptedWhenExhausted = Accepted(child);
            Assert.InRange(acceptedWhenExhausted, Echoed, Clients - (2 * Echoed));
            Assert.Equal(new[] { (byte)0 }, await clients[0].ReceiveExactlyAsync(1).Within());

            // Free the child's connection descriptors: it must accept the waiting connections without being told.
            var freed = acceptedWhenExhausted;
            for (var i = 0; i < freed; i++)
            {
                clients[i].Dispose();
            }

            var firstWaiting = acceptedWhenExhausted;
            for (var i = firstWaiting; i < firstWaiting + Echoed; i++)
            {
                Assert.Equal(new[] { (byte)i }, await clients[i].ReceiveExactlyAsync(1).Within());
            }

            Assert.False(child.HasExited);
            Report.Line($"descriptor exhaustion: ulimit -n {DescriptorLimit}; {Clients} clients; the child accepted " +
                $"{acceptedWhenExhausted} before EMFILE; once those were closed, the next {Echoed} waiting connections were accepted and echoed; " +
                $"EMFILE logged {child.Lines.Count(l => l.StartsWith($"log {OutOfDescriptorsEventId} ", StringComparison.Ordinal))} times");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static int Accepted(ChildProcess child) =>
        child.Lines.Where(l => l.StartsWith("accepted ", StringComparison.Ordinal))
            .Select(l => int.Parse(l["accepted ".Length..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Max();
}
