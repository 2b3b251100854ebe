using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// A connection the server accepted: runs its listener's pipeline on the thread pool, then disposes it and
/// records why and how long it lived, exactly once.
/// </summary>
internal sealed class ServerConnection : IThreadPoolWorkItem
{
    private readonly Server _server;
    private readonly ServerListener _listener;
    private readonly ConnectionContext _context;
    private readonly IConnectionCloseReasonFeature _closeReason;
    private readonly IConnectionLifetimeNotificationFeature _lifetime;
    private readonly IConnectionTransferFeature? _transfer;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    public ServerConnection(Server server, ServerListener listener, ConnectionContext context)
    {
        _server = server;
        _listener = listener;
        _context = context;
        _closeReason = GetOrAdd<IConnectionCloseReasonFeature>(context, static () => new ConnectionCloseReasonFeature());
        _lifetime = GetOrAdd<IConnectionLifetimeNotificationFeature>(context, static () => new ServerLifetimeNotificationFeature());
        _transfer = context.Features.Get<IConnectionTransferFeature>();
    }

    /// <summary>Completes when the pipeline has returned and the connection is disposed; never faults.</summary>
    public Task Completion => _completion.Task;

    public void Execute() => _ = RunAsync();

    private async Task RunAsync()
    {
        try
        {
            await RunPipelineAsync().ConfigureAwait(false);
        }
        finally
        {
            // Even if logging or a meter listener threw, the server must not wait for this connection forever.
            _server.Remove(this);
            _completion.TrySetResult();
        }
    }

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

    private async Task RunPipelineAsync()
    {
        var metrics = _server.Metrics;
        var tags = new TagList(_listener.Tags);
        metrics.QueuedConnections.Add(-1, tags);
        metrics.ActiveConnections.Add(1, tags);
        if (_transfer is not null)
        {
            _listener.Transfers.Track(_transfer);
        }

        WeirLog.ConnectionAccepted(_server.Logger, _context.ConnectionId, _listener.EndPoint, _context.RemoteEndPoint);
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

        // What the layers reported wins; what the server saw itself is the fallback.
        _closeReason.TrySetReason(reason);
        reason = _closeReason.Reason;
        var duration = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        WeirLog.ConnectionClosed(_server.Logger, _context.ConnectionId, duration, reason);

        if (_transfer is not null)
        {
            _listener.Transfers.Untrack(_transfer);
        }

        metrics.ActiveConnections.Add(-1, tags);
        tags.Add(ConnectionTags.CloseReason, ConnectionTags.Value(reason));
        metrics.ConnectionDuration.Record(duration, tags);
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
