using System.Buffers;
using System.Collections;
using System.Collections.Frozen;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>The connection is its own feature collection: its features cost no allocation and no lookup table.</summary>
internal sealed partial class SocketConnection :
    IFeatureCollection,
    IConnectionIdFeature,
    IConnectionItemsFeature,
    IConnectionEndPointFeature,
    IConnectionLifetimeFeature,
    IConnectionLifetimeNotificationFeature,
    IConnectionTransportFeature,
    IConnectionSocketFeature,
    IMemoryPoolFeature,
    IConnectionTransferFeature
{
    private static readonly FrozenSet<Type> OwnFeatures = FrozenSet.Create(
        typeof(IConnectionIdFeature),
        typeof(IConnectionItemsFeature),
        typeof(IConnectionEndPointFeature),
        typeof(IConnectionLifetimeFeature),
        typeof(IConnectionLifetimeNotificationFeature),
        typeof(IConnectionTransportFeature),
        typeof(IConnectionSocketFeature),
        typeof(IMemoryPoolFeature),
        typeof(IConnectionTransferFeature),
        typeof(IConnectionCloseReasonFeature));

    private string? _connectionId;
    private IDictionary<object, object?>? _items;
    private Dictionary<Type, object?>? _featureOverrides;
    private int _featureRevision;
    private CancellationTokenSource? _closeRequestedSource;
    private CancellationToken? _closeRequestedToken;

    public override string ConnectionId
    {
        get => _connectionId ??= ConnectionIds.Next();
        set => _connectionId = value;
    }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IFeatureCollection Features => this;

    public Socket Socket => _socket;

    public MemoryPool<byte> MemoryPool => _pool;

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long BytesSent => _output.BytesSent;

    // Made on first use: most connections are never asked to close, and an idle connection should weigh little.
    public CancellationToken ConnectionClosedRequested
    {
        get => _closeRequestedToken ?? CloseRequestedSource().Token;
        set => _closeRequestedToken = value;
    }

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _featureRevision;

    object? IFeatureCollection.this[Type key]
    {
        get
        {
            if (_featureOverrides is not null && _featureOverrides.TryGetValue(key, out var feature))
            {
                return feature;
            }

            if (key == typeof(IConnectionCloseReasonFeature))
            {
                return _closeReason;
            }

            return OwnFeatures.Contains(key) ? this : null;
        }

        set
        {
            (_featureOverrides ??= []).Remove(key);
            _featureOverrides[key] = value;
            _featureRevision++;
        }
    }

    public void RequestClose()
    {
        try
        {
            CloseRequestedSource().Cancel();
        }
        catch (AggregateException ex)
        {
            WeirLog.SocketConnectionClosedCallbackFailed(_logger, ConnectionId, ex);
        }
    }

    private CancellationTokenSource CloseRequestedSource() =>
        Volatile.Read(ref _closeRequestedSource)
        ?? Interlocked.CompareExchange(ref _closeRequestedSource, new CancellationTokenSource(), null)
        ?? _closeRequestedSource;

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default =>
        (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default =>
        ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator()
    {
        var features = (IFeatureCollection)this;
        foreach (var type in OwnFeatures)
        {
            if (_featureOverrides is null || !_featureOverrides.ContainsKey(type))
            {
                yield return new KeyValuePair<Type, object>(type, features[type]!);
            }
        }

        if (_featureOverrides is not null)
        {
            foreach (var (type, feature) in _featureOverrides)
            {
                if (feature is not null)
                {
                    yield return new KeyValuePair<Type, object>(type, feature);
                }
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();
}
