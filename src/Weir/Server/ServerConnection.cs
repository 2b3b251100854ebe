using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// A connection the server accepted: runs its listener's pipeline on the thread pool, then disposes it and
/// records why and how long it lived, exactly once.
/// </summary>
/// <remarks>
/// One async method and no completion source: an idle connection holds this object and one state machine, and
/// every byte of those is multiplied by the number of connections a server keeps open.
/// </remarks>
internal sealed class ServerConnection
{
    private readonly Server _server;
    private readonly ServerListener _listener;
    private readonly ConnectionContext _context;
    private readonly IConnectionCloseReasonFeature _closeReason;
    private readonly IConnectionLifetimeNotificationFeature _lifetime;
    private readonly IConnectionTransferFeature? _transfer;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private Task _completion = Task.CompletedTask;

    public ServerConnection(Server server, ServerListener listener, ConnectionContext context)
    {
        _server = server;
        _listener = listener;
        _context = context;
        _closeReason = GetOrAdd<IConnectionCloseReasonFeature>(context, static () => new ConnectionCloseReasonFeature());
        _lifetime = GetOrAdd<IConnectionLifetimeNotificationFeature>(context, static () => new ServerLifetimeNotificationFeature());
        _transfer = context.Features.Get<IConnectionTransferFeature>();
    }

    /// <summary>Completes when the pipeline has returned and the connection is disposed.</summary>
    public Task Completion => _completion;

    /// <summary>Starts the pipeline; the caller has already added the connection to the server's live set.</summary>
    public void Start() => _completion = RunAsync();

    /// <summary>Asks the connection to finish: the first step of a graceful stop.</summary>
    public void RequestClose()
    {
        _closeReason.TrySetReason(ConnectionCloseReason.ServerStopping);
        try
        {
            _lifetime.RequestClose();
        }
        catch (Exception ex)
        {
            WeirLog.RequestCloseFailed(_server.Logger, _context.ConnectionId, ex);
        }
    }

    /// <summary>Aborts the connection: the last step of a stop whose deadline has passed.</summary>
    public void Abort()
    {
        _closeReason.TrySetReason(ConnectionCloseReason.ServerStopping);
        _context.Abort(new ConnectionAbortedException("The server is stopping and the connection did not finish in time."));
    }

    private async Task RunAsync()
    {
        // Off the accept loop: the pipeline runs on the thread pool.
        await Task.Yield();
        try
        {
            OnOpened();
            var reason = ConnectionCloseReason.LocalClosed;
            try
            {
                await _listener.Application(_context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                reason = ConnectionCloseReason.ApplicationError;
                _closeReason.TrySetReason(ConnectionCloseReason.ApplicationError, ex);
                WeirLog.ConnectionHandlerFailed(_server.Logger, _context.ConnectionId, ex);
                _context.Abort(new ConnectionAbortedException("The connection handler threw.", ex));
            }

            try
            {
                await _context.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                WeirLog.ConnectionDisposeFailed(_server.Logger, _context.ConnectionId, ex);
            }

            OnClosed(reason);
        }
        catch (Exception ex)
        {
            // Only a log or a meter listener can throw here; the server must not wait for this connection forever.
            WeirLog.ConnectionBookkeepingFailed(_server.Logger, _context.ConnectionId, ex);
        }
        finally
        {
            _server.Remove(this);
        }
    }

    // The bookkeeping lives outside the async method, so its locals (a TagList is large) stay out of the state
    // machine that every open connection keeps on the heap.
    private void OnOpened()
    {
        var tags = new TagList(_listener.Tags);
        _server.Metrics.QueuedConnections.Add(-1, tags);
        _server.Metrics.ActiveConnections.Add(1, tags);
        if (_transfer is not null)
        {
            _listener.Transfers.Track(_transfer);
        }

        WeirLog.ConnectionAccepted(_server.Logger, _context.ConnectionId, _listener.EndPoint, _context.RemoteEndPoint);
    }

    private void OnClosed(ConnectionCloseReason observed)
    {
        // What the layers reported wins; what the server saw itself is the fallback.
        _closeReason.TrySetReason(observed);
        var reason = _closeReason.Reason;
        var duration = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        WeirLog.ConnectionClosed(_server.Logger, _context.ConnectionId, duration, reason);

        if (_transfer is not null)
        {
            _listener.Transfers.Untrack(_transfer);
        }

        var tags = new TagList(_listener.Tags);
        _server.Metrics.ActiveConnections.Add(-1, tags);
        tags.Add(ConnectionTags.CloseReason, ConnectionTags.Value(reason));
        _server.Metrics.ConnectionDuration.Record(duration, tags);
    }

    private static T GetOrAdd<T>(ConnectionContext context, Func<T> create)
        where T : class
    {
        if (context.Features.Get<T>() is { } existing)
        {
            return existing;
        }

        var feature = create();
        if (!context.Features.IsReadOnly)
        {
            context.Features.Set(feature);
        }

        return feature;
    }
}
