using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace LengthPrefixedRpc;

/// <summary>
/// A plain client <see cref="IConnectionFactory"/>: a socket, and pipes over its stream. It stands in until the
/// sample moves to Weir's <c>ClientBuilder</c>.
/// </summary>
public sealed class SocketConnectionFactory : IConnectionFactory
{
    /// <inheritdoc />
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new StreamConnection(socket);
    }

    private sealed class StreamConnection : ConnectionContext
    {
        private readonly Socket _socket;
        private readonly CancellationTokenSource _closed = new();

        public StreamConnection(Socket socket)
        {
            _socket = socket;
            var stream = new NetworkStream(socket, ownsSocket: false);
            Transport = new DuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
            LocalEndPoint = socket.LocalEndPoint;
            RemoteEndPoint = socket.RemoteEndPoint;
            ConnectionClosed = _closed.Token;
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            _socket.Close(0);
            _closed.Cancel();
        }

        public override async ValueTask DisposeAsync()
        {
            await Transport.Input.CompleteAsync().ConfigureAwait(false);
            await Transport.Output.CompleteAsync().ConfigureAwait(false);
            _socket.Dispose();
            await _closed.CancelAsync().ConfigureAwait(false);
            _closed.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
        {
            public PipeReader Input { get; } = input;

            public PipeWriter Output { get; } = output;
        }
    }
}
