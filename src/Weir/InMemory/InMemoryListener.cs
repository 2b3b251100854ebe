using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Weir.InMemory;

/// <summary>An endpoint bound on an <see cref="InMemoryTransport"/>: connections wait in a queue (the backlog) until accepted.</summary>
internal sealed class InMemoryListener(InMemoryTransport transport, EndPoint endPoint) : IConnectionListener
{
    private readonly Channel<InMemoryConnection> _backlog =
        Channel.CreateUnbounded<InMemoryConnection>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public EndPoint EndPoint { get; } = endPoint;

    public bool TryEnqueue(InMemoryConnection connection) => _backlog.Writer.TryWrite(connection);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _backlog.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_backlog.Reader.TryRead(out var connection))
            {
                return connection;
            }
        }

        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (_backlog.Writer.TryComplete())
        {
            transport.Unbind(this);

            // Like a closed listening socket, connections still in the backlog are reset.
            while (_backlog.Reader.TryRead(out var pending))
            {
                pending.Abort(new ConnectionAbortedException($"The listener on {EndPoint} was unbound before accepting the connection."));
                pending.Close();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => UnbindAsync();
}
