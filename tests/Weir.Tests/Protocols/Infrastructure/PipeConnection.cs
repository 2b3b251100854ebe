using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Tests.Protocols.Infrastructure;

/// <summary>
/// An in-process connection: a <see cref="DefaultConnectionContext"/> whose transport is one end of a pair of
/// pipes; the test holds the other end as the client.
/// </summary>
internal sealed class PipeConnection
{
    public PipeConnection()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        Client = new DuplexPipe(toClient.Reader, toServer.Writer);
        Server = new DefaultConnectionContext(
            Guid.NewGuid().ToString("N"), new DuplexPipe(toServer.Reader, toClient.Writer), Client);
        Server.Features.Set<IConnectionCloseReasonFeature>(CloseReason);
    }

    public DefaultConnectionContext Server { get; }

    public IDuplexPipe Client { get; }

    public ConnectionCloseReasonFeature CloseReason { get; } = new();

    /// <summary>Reads what the server sent until it completes its output.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        using var all = new MemoryStream();
        await Client.Input.CopyToAsync(all).WaitAsync(TimeSpan.FromSeconds(30));
        return all.ToArray();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
