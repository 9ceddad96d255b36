using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OtpFast.Core.Store;
using OtpFast.Server.Observability;

namespace OtpFast.Benchmarks;

/// <summary>
/// What /metrics costs one request: the counting and timing an answer does, with the /metrics
/// exporter listening, against the same calls on a meter nobody listens to (what Metrics=false
/// leaves). A load run cannot show a 1-3% difference on this shared machine; this prices it in
/// nanoseconds, to set against the server CPU time per request of a load run.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private ApiMetrics _unheard = null!;
    private ApiMetrics _exported = null!;
    private PrometheusExporter _exporter = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _unheard = new ApiMetrics();
        _exported = new ApiMetrics();
        _exporter = new PrometheusExporter(_exported, _services.GetRequiredService<IMeterFactory>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _exporter.Dispose();
        _exported.Dispose();
        _unheard.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void RequestAnswerNobodyListens() => Request(_unheard);

    [Benchmark]
    public void RequestAnswerExported() => Request(_exported);

    [Benchmark]
    public void VerifyAnswerNobodyListens() => Verify(_unheard);

    [Benchmark]
    public void VerifyAnswerExported() => Verify(_exported);

    // As the request path does: the clock is read only when something listens to the histogram.
    private static void Request(ApiMetrics metrics)
    {
        long started = metrics.TimesRequests ? Stopwatch.GetTimestamp() : 0;
        metrics.CountRequest(200);
        if (started != 0)
        {
            metrics.TimeRequest(started);
        }
    }

    private static void Verify(ApiMetrics metrics)
    {
        long started = metrics.TimesRequests ? Stopwatch.GetTimestamp() : 0;
        metrics.CountVerify(200);
        metrics.CountOutcome(VerifyOutcome.Verified);
        if (started != 0)
        {
            metrics.TimeVerify(started);
        }
    }
}
