using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OtpFast.Server.Api;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Tests.Api;

/// <summary>GET /metrics as Prometheus reads it, and the System.Diagnostics.Metrics instruments beneath it.</summary>
public sealed partial class MetricsTests
{
    [Fact]
    public async Task EachEndpointHasALatencyHistogramWithBucketsAndACount()
    {
        await using TestApp app = await TestApp.StartAsync();
        var (token, otp) = await app.IssueAsync("h");
        await app.RequestAsync("bad");
        await app.VerifyAsync(new { apiKey = app.Key, token, otp });

        string metrics = await app.Client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE otpfast_request_duration_seconds histogram\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_request_duration_seconds_count{endpoint=\"requestOneTimeCode\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_request_duration_seconds_bucket{endpoint=\"requestOneTimeCode\",le=\"+Inf\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_request_duration_seconds_count{endpoint=\"verifyOneTimeCode\"} 1\n", metrics, StringComparison.Ordinal);
        long[] buckets = BucketLines().Matches(metrics)
            .Where(m => m.Groups["endpoint"].Value == "requestOneTimeCode")
            .Select(m => long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(buckets.Length >= 10, $"{buckets.Length} buckets");
        Assert.Equal(buckets.Order(), buckets); // cumulative, as Prometheus requires
        Assert.Matches(@"otpfast_request_duration_seconds_sum\{endpoint=""requestOneTimeCode""\} [0-9.eE+-]+\n", metrics);
    }

    [Fact]
    public async Task NoSeriesForACodeAnEndpointNeverAnswers()
    {
        await using TestApp app = await TestApp.StartAsync();
        string metrics = await app.Client.GetStringAsync("/metrics");

        // Possible answers show from the start, at 0, so rate() has a starting point...
        Assert.Contains("otpfast_answers_total{endpoint=\"requestOneTimeCode\",code=\"480\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_answers_total{endpoint=\"verifyOneTimeCode\",code=\"442\"} 0\n", metrics, StringComparison.Ordinal);

        // ...and the impossible ones never: a verify has no code type, a request no token, and a
        // sending-blocked account may still verify.
        foreach (string code in new[] { "404", "480", "481", "482", "483" })
        {
            Assert.DoesNotContain($"endpoint=\"verifyOneTimeCode\",code=\"{code}\"", metrics, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("endpoint=\"requestOneTimeCode\",code=\"442\"", metrics, StringComparison.Ordinal);
        Assert.Equal(ApiMetrics.RequestCodes.Length + ApiMetrics.VerifyCodes.Length, Regex.Count(metrics, "^otpfast_answers_total", RegexOptions.Multiline));
    }

    [Fact]
    public async Task BuildInfoNamesTheVersionAndCommit()
    {
        await using TestApp app = await TestApp.StartAsync();
        string metrics = await app.Client.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^otpfast_build_info\{version=""\d+\.\d+\.\d+[^""]*"",commit=""([0-9a-f]{40}|unknown)""\} 1$", metrics);
    }

    [Fact]
    public async Task ProcessCpuMemoryAndGcComeFromTheRuntimeMeter()
    {
        await using TestApp app = await TestApp.StartAsync();
        string metrics = await app.Client.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^dotnet_process_cpu_time_seconds_total\{cpu_mode=""user""\} [0-9.eE+-]+$", metrics);
        Assert.Matches(@"(?m)^dotnet_process_memory_working_set_bytes [1-9][0-9]*$", metrics);
        Assert.Matches(@"(?m)^dotnet_gc_collections_total\{gc_heap_generation=""gen0""\} \d+$", metrics);
        Assert.Matches(@"(?m)^dotnet_gc_heap_total_allocated_bytes_total [1-9][0-9]*$", metrics);
    }

    [Fact]
    public async Task KestrelsOwnConnectionGaugeCountsOpenConnections()
    {
        await using TestApp app = await TestApp.StartAsync(sockets: true);
        using var held = await RawClient.ConnectAsync(app.Port);
        await held.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        // The held connection and the scrape's own are both open while /metrics is written.
        string metrics = await app.Client.GetStringAsync("/metrics");
        Match active = Regex.Match(metrics, @"(?m)^kestrel_active_connections\{[^}]*server_port=""(\d+)""[^}]*\} (\d+)$");
        Assert.True(active.Success, metrics);
        Assert.Equal(app.Port.ToString(CultureInfo.InvariantCulture), active.Groups[1].Value);
        Assert.True(int.Parse(active.Groups[2].Value, CultureInfo.InvariantCulture) >= 2, active.Value);
        Assert.Contains("# TYPE kestrel_active_connections gauge\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInProcessMeterListenerSeesOtpFastsInstruments()
    {
        await using TestApp app = await TestApp.StartAsync();
        ApiMetrics instruments = app.App.Services.GetRequiredService<ApiMetrics>();
        var seen = new List<string>();
        var published = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "OtpFast" && ReferenceEquals(instrument.Meter.Scope, instruments))
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }

                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (seen)
            {
                seen.Add($"{instrument.Name} {value} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}");
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (seen)
            {
                seen.Add($"{instrument.Name} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}");
            }
        });
        listener.Start();

        await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "l" });
        listener.RecordObservableInstruments();

        Assert.Contains("otpfast.answers 1 endpoint=requestOneTimeCode,code=200", seen);
        Assert.Contains("otpfast.request.duration endpoint=requestOneTimeCode", seen);
        Assert.Contains("otpfast.live_pairs 1 ", seen);
        Assert.Superset(new HashSet<string> { "otpfast.answers", "otpfast.verify_outcomes", "otpfast.connections_refused", "otpfast.tombstones", "otpfast.build.info" }, published);
    }

    [Fact]
    public async Task CountingAndTimingAllocateNothingWhileTheExporterListens()
    {
        await using TestApp app = await TestApp.StartAsync();
        ApiMetrics metrics = app.App.Services.GetRequiredService<ApiMetrics>();
        Assert.True(metrics.TimesRequests);
        void OneRequestsWorth()
        {
            long started = Stopwatch.GetTimestamp();
            metrics.CountRequest(ApiCode.Accepted);
            metrics.TimeRequest(started);
            metrics.CountVerify(ApiCode.Accepted);
            metrics.CountOutcome(OtpFast.Core.Store.VerifyOutcome.Mismatch);
            metrics.TimeVerify(started);
        }

        OneRequestsWorth();

        // The best of three: the runtime may charge the thread once for something of its own.
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                OneRequestsWorth();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        Assert.Contains("otpfast_answers_total{endpoint=\"requestOneTimeCode\",code=\"200\"} 3001\n", await app.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsFalseTurnsTheEndpointOffAndTheApiStillAnswers()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["Metrics"] = "false" });
        using HttpResponseMessage response = await app.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(app.App.Services.GetRequiredService<ApiMetrics>().TimesRequests);
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
    }

    [GeneratedRegex(@"otpfast_request_duration_seconds_bucket\{endpoint=""(?<endpoint>\w+)"",le=""[^""]+""\} (?<count>\d+)")]
    private static partial Regex BucketLines();
}
