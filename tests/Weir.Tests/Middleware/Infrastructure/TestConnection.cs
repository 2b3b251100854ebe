using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>
/// A connection on two in-process pipes. <see cref="Peer"/> is the far end: what it writes, the connection reads.
/// <see cref="Abort"/> behaves as a transport's: the connection's input fails with the abort's exception.
/// </summary>
internal sealed class TestConnection : DefaultConnectionContext
{
    public TestConnection(string id = "test-connection")
        : this(id, new Pipe(), new Pipe())
    {
    }

    private TestConnection(string id, Pipe toConnection, Pipe fromConnection)
        : base(id, new Weir.Buffers.DuplexPipe(toConnection.Reader, fromConnection.Writer), new Weir.Buffers.DuplexPipe(fromConnection.Reader, toConnection.Writer))
    {
        Peer = Application!;
        Features.Set<IConnectionCloseReasonFeature>(CloseReason);
    }

    public ConnectionCloseReasonFeature CloseReason { get; } = new();

    /// <summary>The far end: write to <c>Output</c> to send to the connection, read <c>Input</c> for what it sent.</summary>
    public IDuplexPipe Peer { get; }

    public TaskCompletionSource<ConnectionAbortedException> Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Two connections wired to each other, as a client and a server would be over a socket.</summary>
    public static (TestConnection Client, TestConnection Server) CreatePair()
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var client = new TestConnection("client", serverToClient, clientToServer);
        var server = new TestConnection("server", clientToServer, serverToClient);
        return (client, server);
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Aborted.TrySetResult(abortReason);
        Peer.Output.Complete(abortReason);
        base.Abort(abortReason);
    }

    public async Task SendAsync(string text)
    {
        await Peer.Output.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);
    }

    public async Task SendAsync(byte[] bytes)
    {
        await Peer.Output.WriteAsync(bytes, TestContext.Current.CancellationToken);
    }

    /// <summary>Reads what the connection sent until it completes its output.</summary>
    public async Task<byte[]> ReceiveToEndAsync()
    {
        using var copy = new MemoryStream();
        await Peer.Input.CopyToAsync(copy, TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        return copy.ToArray();
    }
}
