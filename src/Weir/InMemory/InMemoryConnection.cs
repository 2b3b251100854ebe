using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Weir.Buffers;
using Weir.Diagnostics;

namespace Weir.InMemory;

/// <summary>
/// One end of an in-memory connection. The application reads <c>Transport.Input</c> and writes
/// <c>Transport.Output</c>; an <see cref="InMemoryLink"/> moves bytes from this end's output pipe to the peer's
/// input pipe, the way a kernel moves them between two sockets.
/// </summary>
internal sealed class InMemoryConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IConnectionTransferFeature
{
    private readonly CancellationTokenSource _closed = new();
    private readonly ConnectionCloseReasonFeature _closeReason = new();
    private ConnectionAbortedException? _abortReason;
    private IDictionary<object, object?>? _items;
    private long _bytesReceived;
    private long _bytesSent;
    private int _disposed;

    public InMemoryConnection(string connectionId, EndPoint localEndPoint, EndPoint remoteEndPoint, MemoryPool<byte> pool)
    {
        ConnectionId = connectionId;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;

        var options = new PipeOptions(pool, useSynchronizationContext: false);
        InputPipe = new Pipe(options);
        OutputPipe = new Pipe(options);
        Transport = new DuplexPipe(InputPipe.Reader, OutputPipe.Writer);

        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IConnectionTransferFeature>(this);
        Features.Set<IConnectionCloseReasonFeature>(_closeReason);
    }

    /// <summary>The pipe the peer's bytes arrive in; the link writes it, the application reads it.</summary>
    public Pipe InputPipe { get; }

    /// <summary>The pipe the application writes; the link reads it.</summary>
    public Pipe OutputPipe { get; }

    public ConnectionAbortedException? AbortReason => Volatile.Read(ref _abortReason);

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public InMemoryLink? Link { get; set; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The in-memory transport owns its closed token.");
    }

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public void AddBytesReceived(long count) => Interlocked.Add(ref _bytesReceived, count);

    public void AddBytesSent(long count) => Interlocked.Add(ref _bytesSent, count);

    public bool TrySetCloseReason(ConnectionCloseReason reason, Exception? exception = null) =>
        _closeReason.TrySetReason(reason, exception);

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    public override void Abort(ConnectionAbortedException abortReason)
    {
        ArgumentNullException.ThrowIfNull(abortReason);
        if (Interlocked.CompareExchange(ref _abortReason, abortReason, null) is null)
        {
            _closeReason.TrySetReason(ConnectionCloseReason.LocalAborted, abortReason);
            Link?.Wake();
        }
    }

    public override ValueTask DisposeAsync()
    {
        Close();
        return base.DisposeAsync();
    }

    /// <summary>Closes this end: what <see cref="DisposeAsync"/> does, without a task to await.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The application is done with both pipes: pending output still drains to the peer (then FIN),
            // and the peer's further writes are refused, as after close() on a socket.
            InputPipe.Reader.Complete();
            OutputPipe.Writer.Complete();
            Link?.Wake();
        }
    }

    /// <summary>Fires <see cref="ConnectionClosed"/>; a callback that throws is the caller's to report.</summary>
    public void FireClosed() => _closed.Cancel();
}
