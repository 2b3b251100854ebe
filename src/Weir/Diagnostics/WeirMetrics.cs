using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace Weir.Diagnostics;

/// <summary>
/// The <c>Weir</c> meter and its instruments, named after Kestrel's OpenTelemetry instruments so the same
/// dashboards read both. Created from the host's <see cref="IMeterFactory"/> so tests observe their own.
/// </summary>
internal sealed class WeirMetrics
{
    public const string MeterName = "Weir";

    public WeirMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);

        ActiveConnections = Meter.CreateUpDownCounter<long>(
            "weir.active_connections", "{connection}", "Connections currently open on the server.");
        QueuedConnections = Meter.CreateUpDownCounter<long>(
            "weir.queued_connections", "{connection}", "Connections accepted and waiting to start their pipeline.");
        RejectedConnections = Meter.CreateCounter<long>(
            "weir.rejected_connections", "{connection}", "Connections refused because a limit was reached.");
        ConnectionDuration = Meter.CreateHistogram<double>(
            "weir.connection.duration", "s", "How long connections lived, tagged with why they closed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        ActiveTlsHandshakes = Meter.CreateUpDownCounter<long>(
            "weir.active_tls_handshakes", "{handshake}", "TLS handshakes in progress.");
        TlsHandshakeDuration = Meter.CreateHistogram<double>(
            "weir.tls_handshake.duration", "s", "How long TLS handshakes took, tagged with their outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HandshakeBuckets });
        Meter.CreateObservableCounter(
            "weir.connection.bytes_received", ObserveBytesReceived, "By", "Bytes received from peers.");
        Meter.CreateObservableCounter(
            "weir.connection.bytes_sent", ObserveBytesSent, "By", "Bytes sent to peers.");
    }

    private static readonly ConditionalWeakTable<IMeterFactory, WeirMetrics> ByFactory = [];

    private readonly Lock _transferLock = new();
    private ConnectionTransferTotals[] _transfers = [];

    public Meter Meter { get; }

    public UpDownCounter<long> ActiveConnections { get; }

    public UpDownCounter<long> QueuedConnections { get; }

    public Counter<long> RejectedConnections { get; }

    public Histogram<double> ConnectionDuration { get; }

    public UpDownCounter<long> ActiveTlsHandshakes { get; }

    public Histogram<double> TlsHandshakeDuration { get; }

    /// <summary>Starts reporting a listener's byte totals on the <c>weir.connection.bytes_*</c> counters.</summary>
    public void AddTransferTotals(ConnectionTransferTotals totals)
    {
        lock (_transferLock)
        {
            _transfers = [.. _transfers, totals];
        }
    }

    /// <summary>Stops reporting a listener's byte totals (its server has stopped).</summary>
    public void RemoveTransferTotals(ConnectionTransferTotals totals)
    {
        lock (_transferLock)
        {
            _transfers = Array.FindAll(_transfers, t => t != totals);
        }
    }

    private IEnumerable<Measurement<long>> ObserveBytesReceived() =>
        Array.ConvertAll(Volatile.Read(ref _transfers), static t => t.ObserveReceived());

    private IEnumerable<Measurement<long>> ObserveBytesSent() =>
        Array.ConvertAll(Volatile.Read(ref _transfers), static t => t.ObserveSent());

    /// <summary>
    /// The instruments of the services' <see cref="IMeterFactory"/>, one set per factory; where the services have
    /// none (a server built without a host), one process-wide set, so <c>dotnet-counters monitor --counters Weir</c>
    /// still sees every server.
    /// </summary>
    public static WeirMetrics FromServices(IServiceProvider? services) =>
        services?.GetService<IMeterFactory>() is { } factory
            ? ByFactory.GetValue(factory, static f => new WeirMetrics(f))
            : ProcessWide.Value;

    private static readonly Lazy<WeirMetrics> ProcessWide = new(() => new WeirMetrics(new ProcessMeterFactory()));

    private static readonly double[] DurationBuckets =
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    private static readonly double[] HandshakeBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10];

    /// <summary>Makes plain meters, published to every listener, for servers built without a host.</summary>
    private sealed class ProcessMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
