using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir;

/// <summary>
/// A client connection whose middleware is running: it shows the caller the connection as the innermost
/// middleware passed it on, and disposing it lets the middleware unwind before the transport connection closes.
/// </summary>
internal sealed class ClientConnection : ConnectionContext
{
    private readonly ConnectionContext _transportConnection;
    private readonly EndPoint _endPoint;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionContext _inner;
    private Task _pipeline = Task.CompletedTask;
    private int _disposing;

    public ClientConnection(ConnectionContext transportConnection, EndPoint endPoint, ILogger logger)
    {
        _transportConnection = transportConnection;
        _inner = transportConnection;
        _endPoint = endPoint;
        _logger = logger;
    }

    /// <summary>Completes when the terminal is reached; faults if a middleware threw or gave up before it.</summary>
    public Task Ready => _ready.Task;

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _inner.Transport;
        set => _inner.Transport = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    public void Start(ConnectionDelegate pipeline) => _pipeline = RunAsync(pipeline);

    /// <summary>The terminal of the client pipeline.</summary>
    public Task HoldUntilDisposedAsync(ConnectionContext connection)
    {
        _inner = connection;
        _ready.TrySetResult();
        return _disposed.Task;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override void Abort() => _inner.Abort();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 0)
        {
            _disposed.TrySetResult();
            await _pipeline.ConfigureAwait(false);
            await _transportConnection.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(ConnectionDelegate pipeline)
    {
        try
        {
            await pipeline(_transportConnection).ConfigureAwait(false);
            _ready.TrySetException(new ConnectionAbortedException(
                "A client middleware ended the connection before passing it on."));
        }
        catch (Exception ex)
        {
            if (!_ready.TrySetException(ex))
            {
                // The caller has the connection already; a middleware failing as it unwinds is only reported.
                WeirLog.ClientPipelineFailed(_logger, _endPoint, ex);
            }
        }
    }
}
