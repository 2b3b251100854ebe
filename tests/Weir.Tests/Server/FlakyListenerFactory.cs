using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Weir.Tests.Server;

/// <summary>Wraps a transport so a test can make its listeners fail the way a broken transport would.</summary>
public sealed class FlakyListenerFactory(IConnectionListenerFactory inner) : IConnectionListenerFactory
{
    private int _acceptFailures;
    private int _unexpectedEnds;
    private readonly TaskCompletionSource _rebound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _binds;

    public int Binds => Volatile.Read(ref _binds);

    /// <summary>Completes when an endpoint has been bound a second time.</summary>
    public Task Rebound => _rebound.Task;

    /// <summary>The next <paramref name="count"/> accepts throw.</summary>
    public void FailAccepts(int count) => Volatile.Write(ref _acceptFailures, count);

    /// <summary>The next accept reports the listener finished, though nobody unbound it.</summary>
    public void EndUnexpectedly() => Volatile.Write(ref _unexpectedEnds, 1);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = new Listener(this, await inner.BindAsync(endpoint, cancellationToken));
        if (Interlocked.Increment(ref _binds) == 2)
        {
            _rebound.TrySetResult();
        }

        return listener;
    }

    private sealed class Listener(FlakyListenerFactory factory, IConnectionListener inner) : IConnectionListener
    {
        public EndPoint EndPoint => inner.EndPoint;

        public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref factory._acceptFailures) >= 0)
            {
                throw new IOException("Injected accept failure.");
            }

            if (Interlocked.Exchange(ref factory._unexpectedEnds, 0) == 1)
            {
                return ValueTask.FromResult<ConnectionContext?>(null);
            }

            return inner.AcceptAsync(cancellationToken);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
