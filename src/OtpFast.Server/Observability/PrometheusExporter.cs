using System.Diagnostics.Metrics;
using System.Text;

namespace OtpFast.Server.Observability;

/// <summary>
/// Serves <c>GET /metrics</c>: a <see cref="MeterListener"/> over this server's <c>OtpFast</c>
/// meter, Kestrel's own meter and the runtime's <c>System.Runtime</c> meter, written as
/// Prometheus text. Hand-written rather than OpenTelemetry's Prometheus exporter, which would
/// take the binary past its size goal (see Metrics in the README).
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    public const string RuntimeMeter = "System.Runtime";

    private readonly ApiMetrics _metrics;
    private readonly IMeterFactory _meterFactory;
    private readonly MeterListener _listener;
    private readonly List<InstrumentAggregate> _instruments = [];
    private long _generation;

    public PrometheusExporter(ApiMetrics metrics, IMeterFactory meterFactory)
    {
        _metrics = metrics;
        _meterFactory = meterFactory;
        _listener = new MeterListener
        {
            InstrumentPublished = Publish,
            MeasurementsCompleted = (instrument, _) => Forget(instrument),
        };

        // The meters listened to measure in long, int and double. Static lambdas: made once, so
        // a measurement costs a delegate call and no allocation.
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.Start();
        metrics.ShowPossibleSeries();
    }

    /// <summary>Collects the observable instruments and writes every series.</summary>
    public string Render()
    {
        var text = new StringBuilder(16384);
        lock (_instruments)
        {
            // A scrape at a time: the generation marks which observable values this one reported.
            _generation++;
            foreach (InstrumentAggregate instrument in _instruments)
            {
                instrument.Generation = _generation;
            }

            _listener.RecordObservableInstruments();
            foreach (InstrumentAggregate instrument in _instruments)
            {
                instrument.Write(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    // Kestrel's meter comes from this server's meter factory and OtpFast's names this server as
    // its scope: in a process with several servers (the tests), each /metrics shows its own.
    private bool Wanted(Meter meter) => meter.Name switch
    {
        ApiMetrics.MeterName => ReferenceEquals(meter.Scope, _metrics),
        KestrelMeter => ReferenceEquals(meter.Scope, _meterFactory),
        RuntimeMeter => true,
        _ => false,
    };

    private void Publish(Instrument instrument, MeterListener listener)
    {
        if (!Wanted(instrument.Meter))
        {
            return;
        }

        var aggregate = new InstrumentAggregate(instrument);
        lock (_instruments)
        {
            // OtpFast's families first, then Kestrel's and the runtime's, each in the order made.
            int at = instrument.Meter.Name == ApiMetrics.MeterName
                ? _instruments.FindLastIndex(i => i.Instrument.Meter.Name == ApiMetrics.MeterName) + 1
                : _instruments.Count;
            _instruments.Insert(at, aggregate);
        }

        listener.EnableMeasurementEvents(instrument, aggregate);
    }

    private void Forget(Instrument instrument)
    {
        lock (_instruments)
        {
            _instruments.RemoveAll(i => ReferenceEquals(i.Instrument, instrument));
        }
    }
}
