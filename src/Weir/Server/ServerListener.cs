using System.Net;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// One listener of a <see cref="Server"/>: its binding, its accept loop and its pipeline.
/// </summary>
/// <remarks>
/// The accept loop never stops on its own while the server runs. An accept that throws is logged and retried
/// after a back-off (10 ms doubling to 1 s, reset by the next accepted connection); a listener that reports it
/// has finished (<c>AcceptAsync</c> returns <see langword="null"/>) though nobody unbound it is logged, disposed
/// and bound again on the same endpoint, with the same back-off between attempts.
/// </remarks>
internal sealed class ServerListener : IAsyncDisposable
{
    private const int FirstRetryDelayMilliseconds = 10;
    private const int MaxRetryDelayMilliseconds = 1000;

    private readonly Server _server;
    private readonly IConnectionListenerFactory _transport;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private IConnectionListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public ServerListener(Server server, EndPoint endPoint, IConnectionListenerFactory transport, ConnectionDelegate application)
    {
        _server = server;
        ConfiguredEndPoint = endPoint;
        _transport = transport;
        Application = application;
        Tags = ConnectionTags.ForEndPoint(endPoint);
        Transfers = new ConnectionTransferTotals(Tags);
    }

    public EndPoint ConfiguredEndPoint { get; }

    /// <summary>Gets the endpoint as bound (with the real port where port 0 was asked), or as configured before binding.</summary>
    public EndPoint EndPoint => _listener?.EndPoint ?? ConfiguredEndPoint;

    public ConnectionDelegate Application { get; }

    public KeyValuePair<string, object?>[] Tags { get; private set; }

    public ConnectionTransferTotals Transfers { get; private set; }

    public async Task BindAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener = await _transport.BindAsync(ConfiguredEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new IOException(
                $"Failed to bind the listener on {ConfiguredEndPoint} with {_transport.GetType().Name}: {ex.Message}", ex);
        }

        // Tag with the real endpoint, so port 0 listeners report the port that clients use.
        Tags = ConnectionTags.ForEndPoint(_listener.EndPoint);
        Transfers = new ConnectionTransferTotals(Tags);
    }

    // On the thread pool, away from any synchronization context of the caller of StartAsync.
    public void StartAccepting() => _acceptLoop = Task.Run(AcceptLoopAsync);

    /// <summary>Unbinds, so no connection is accepted any more, and waits for the accept loop to end.</summary>
    public async Task StopAcceptingAsync(CancellationToken cancellationToken)
    {
        IConnectionListener? listener;
        lock (_gate)
        {
            listener = _listener;
            _stopping.Cancel();
        }

        if (listener is not null)
        {
            try
            {
                await listener.UnbindAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                WeirLog.UnbindFailed(_server.Logger, EndPoint, ex);
            }
        }

        await _acceptLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stopping.Cancel();
        }

        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _acceptLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            ConnectionContext? connection;
            try
            {
                connection = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var delay = RetryDelay(++failures);
                WeirLog.AcceptFailed(_server.Logger, EndPoint, delay, ex);
                if (!await DelayAsync(delay).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (connection is not null)
            {
                failures = 0;
                _server.Dispatch(connection, this);
            }
            else if (_stopping.IsCancellationRequested || !await RebindAsync().ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task<bool> RebindAsync()
    {
        var endPoint = EndPoint;
        var attempt = 0;
        var delay = RetryDelay(++attempt);
        WeirLog.ListenerStoppedUnexpectedly(_server.Logger, endPoint, delay);
        try
        {
            await _listener!.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            WeirLog.UnbindFailed(_server.Logger, endPoint, ex);
        }

        while (await DelayAsync(delay).ConfigureAwait(false))
        {
            IConnectionListener listener;
            try
            {
                listener = await _transport.BindAsync(endPoint, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                delay = RetryDelay(++attempt);
                WeirLog.RebindFailed(_server.Logger, endPoint, delay, ex);
                continue;
            }

            lock (_gate)
            {
                if (!_stopping.IsCancellationRequested)
                {
                    _listener = listener;
                    WeirLog.ListenerBound(_server.Logger, listener.EndPoint);
                    return true;
                }
            }

            // The server began stopping while we bound: this listener was never seen by StopAcceptingAsync.
            await listener.DisposeAsync().ConfigureAwait(false);
            return false;
        }

        return false;
    }

    private async Task<bool> DelayAsync(int milliseconds)
    {
        try
        {
            await Task.Delay(milliseconds, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static int RetryDelay(int failures) =>
        Math.Min(MaxRetryDelayMilliseconds, FirstRetryDelayMilliseconds << Math.Min(failures - 1, 10));
}
