using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// A connection server: a set of listeners, each with its own endpoint, transport and connection pipeline.
/// Made by <see cref="ServerBuilder"/>.
/// </summary>
/// <remarks>
/// <para><see cref="StartAsync"/> binds every listener (or none: a bind failure unbinds those already bound and
/// throws, naming the endpoint), then runs one accept loop per listener. Each accepted connection runs its
/// listener's pipeline on the thread pool; a pipeline that throws is logged, its connection aborted and
/// recorded as <see cref="ConnectionCloseReason.ApplicationError"/>, and the server carries on.</para>
/// <para><see cref="StopAsync"/> stops gracefully: it unbinds every listener, asks every live connection to
/// finish through <see cref="Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature"/>
/// (the server adds one where the transport has none), waits until their pipelines return or the token fires,
/// then aborts the rest (<see cref="ConnectionCloseReason.ServerStopping"/>).</para>
/// </remarks>
public sealed class Server : IAsyncDisposable
{
    // After the stop deadline, aborted connections get this long to unwind before the stop returns without them.
    private static readonly TimeSpan AbortGracePeriod = TimeSpan.FromSeconds(5);

    private readonly ServerListener[] _listeners;
    private readonly ConcurrentDictionary<ServerConnection, byte> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly object[] _ownedTransports;
    private readonly Lock _gate = new();
    private State _state;
    private Task? _stopTask;

    internal Server(
        IServiceProvider services,
        IReadOnlyList<(EndPoint EndPoint, IConnectionListenerFactory Transport, ConnectionDelegate Application)> listeners,
        object[] ownedTransports)
    {
        _ownedTransports = ownedTransports;
        Logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<Server>();
        Metrics = WeirMetrics.FromServices(services);
        _listeners = [.. listeners.Select(l => new ServerListener(this, l.EndPoint, l.Transport, l.Application))];
    }

    private enum State
    {
        Created,
        Starting,
        Started,
        Stopped,
    }

    /// <summary>
    /// Gets the listeners' endpoints: as bound once <see cref="StartAsync"/> has returned (so a port 0 endpoint
    /// shows the port it got), as configured before.
    /// </summary>
    public IReadOnlyList<EndPoint> EndPoints => [.. _listeners.Select(l => l.EndPoint)];

    internal ILogger Logger { get; }

    internal WeirMetrics Metrics { get; }

    /// <summary>Binds every listener and starts accepting connections.</summary>
    /// <exception cref="IOException">A transport could not bind an endpoint; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException("The server was already started or stopped; a server starts once.");
            }

            _state = State.Starting;
        }

        var bound = 0;
        try
        {
            for (; bound < _listeners.Length; bound++)
            {
                await _listeners[bound].BindAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            for (var i = 0; i < bound; i++)
            {
                await _listeners[i].DisposeAsync().ConfigureAwait(false);
            }

            lock (_gate)
            {
                _state = State.Stopped;
            }

            throw;
        }

        foreach (var listener in _listeners)
        {
            Metrics.AddTransferTotals(listener.Transfers);
            listener.StartAccepting();
            WeirLog.ListenerBound(Logger, listener.EndPoint);
        }

        lock (_gate)
        {
            _state = State.Started;
        }
    }

    /// <summary>
    /// Stops accepting, asks every live connection to finish, and waits for them until
    /// <paramref name="cancellationToken"/> fires; then aborts those left.
    /// </summary>
    /// <param name="cancellationToken">The end of the grace period, not a cancellation of the stop: the stop
    /// always completes, and does not throw when the token fires.</param>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_stopTask is null)
            {
                if (_state == State.Starting)
                {
                    throw new InvalidOperationException("The server is starting; stop it after StartAsync has returned.");
                }

                // Run outside the lock: unbinding calls into the transports.
                var started = _state == State.Started;
                _stopTask = Task.Run(() => StopAndReleaseAsync(started, cancellationToken), CancellationToken.None);
                _state = State.Stopped;
            }

            return _stopTask;
        }
    }

    /// <summary>Stops the server without a grace period: live connections are asked to finish and aborted at once.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);

    internal void Dispatch(ConnectionContext context, ServerListener listener)
    {
        var connection = new ServerConnection(this, listener, context);
        _connections.TryAdd(connection, 0);
        Metrics.QueuedConnections.Add(1, new TagList(listener.Tags));
        connection.Start();
    }

    internal void Remove(ServerConnection connection) => _connections.TryRemove(connection, out _);

    private async Task StopAndReleaseAsync(bool started, CancellationToken cancellationToken)
    {
        if (started)
        {
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var transport in _ownedTransports)
        {
            if (transport is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                ((IDisposable)transport).Dispose();
            }
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        WeirLog.ServerStopping(Logger, _listeners.Length);
        await Task.WhenAll(_listeners.Select(l => l.StopAcceptingAsync(cancellationToken))).ConfigureAwait(false);

        // Every accept loop has ended, so no connection joins this set any more.
        var live = _connections.Keys.ToArray();
        if (live.Length > 0)
        {
            foreach (var connection in live)
            {
                connection.RequestClose();
            }

            WeirLog.ConnectionsAskedToClose(Logger, live.Length);
            var all = Task.WhenAll(live.Select(c => c.Completion));
            try
            {
                await all.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await AbortAsync(all).ConfigureAwait(false);
            }
        }

        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            Metrics.RemoveTransferTotals(listener.Transfers);
        }

        WeirLog.ServerStopped(Logger);
    }

    private async Task AbortAsync(Task all)
    {
        var remaining = _connections.Keys.ToArray();
        WeirLog.ConnectionsAborted(Logger, remaining.Length);
        foreach (var connection in remaining)
        {
            connection.Abort();
        }

        try
        {
            await all.WaitAsync(AbortGracePeriod).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            WeirLog.ConnectionsAbandoned(Logger, _connections.Count);
        }
    }
}
