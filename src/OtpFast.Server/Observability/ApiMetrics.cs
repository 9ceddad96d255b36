using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Server.Accounts;
using OtpFast.Server.Api;

namespace OtpFast.Server.Observability;

/// <summary>
/// OtpFast's instruments on the <c>OtpFast</c> meter: any <see cref="MeterListener"/> in the
/// process (the <c>/metrics</c> exporter, an OpenTelemetry SDK, a test) sees them. Names follow
/// the OpenTelemetry-to-Prometheus rules, so they come out as the <c>otpfast_*</c> series
/// <c>/metrics</c> has always served, whichever exporter writes them.
/// </summary>
internal sealed class ApiMetrics : IDisposable
{
    public const string MeterName = "OtpFast";

    // Tag values are made once: a tag's value is an object, and a fresh one per request would be
    // an allocation on the request path.
    private static readonly KeyValuePair<string, object?> RequestEndpoint = new("endpoint", "requestOneTimeCode");
    private static readonly KeyValuePair<string, object?> VerifyEndpoint = new("endpoint", "verifyOneTimeCode");

    // From tens of microseconds (an answer from memory) to CommitTimeoutMilliseconds (an answer
    // that waits for the disk, 2 s by default): OpenTelemetry's default buckets start at 5 ms,
    // where every in-memory answer would fall into the first.
    private static readonly double[] DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    // ApiCode.All makes a new array at each read (72 bytes, measured): the request path looks
    // codes up in this copy.
    private static readonly int[] Codes = ApiCode.All.ToArray();

    // Each code's position in Codes + 1, indexed by the code itself (0: not a code), so counting
    // an answer is one load rather than a search through Codes.
    private static readonly byte[] Slots = SlotsOf(Codes);

    private readonly Meter _meter;
    private readonly Counter<long> _answers;
    private readonly Counter<long> _verifyOutcomes;
    private readonly Counter<long> _refusedConnections;
    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?>[] _codes;
    private readonly KeyValuePair<string, object?>[] _outcomes;
    private readonly KeyValuePair<string, object?>[] _refusals;

    public ApiMetrics()
    {
        // The meter's scope is this object, so a listener can tell this server's meter from
        // another's in the same process (the tests run many servers side by side).
        _meter = new Meter(new MeterOptions(MeterName) { Version = BuildInfo.Version, Scope = this });
        _answers = _meter.CreateCounter<long>("otpfast.answers", description: "API answers by endpoint and body code.");
        _verifyOutcomes = _meter.CreateCounter<long>("otpfast.verify_outcomes", description: "Verify outcomes by reason.");
        _refusedConnections = _meter.CreateCounter<long>(
            "otpfast.connections_refused",
            description: "Connections closed before their first request: over MaxConnectionsPerClient, or its headers not complete within RequestHeadersTimeoutSeconds.");
        _duration = _meter.CreateHistogram(
            "otpfast.request.duration",
            unit: "s",
            description: "Time from a request's headers to its answer being written, by endpoint (an answer that waits for the journal includes the wait).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        VerifyOutcome[] outcomes = Enum.GetValues<VerifyOutcome>();
        _codes = new KeyValuePair<string, object?>[Codes.Length];
        for (int i = 0; i < Codes.Length; i++)
        {
            _codes[i] = new("code", Codes[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _outcomes = new KeyValuePair<string, object?>[outcomes.Length];
        for (int i = 0; i < outcomes.Length; i++)
        {
            _outcomes[i] = new("reason", outcomes[i] == VerifyOutcome.Verified ? "verified" : Encoding.ASCII.GetString(ApiResponse.ReasonText(outcomes[i])));
        }

        _refusals = [new("reason", "per_client_limit"), new("reason", "headers_timeout")]; // in ConnectionRefusal order
        _meter.CreateObservableGauge("otpfast.build.info", () => new Measurement<long>(1, new("version", BuildInfo.Version), new("commit", BuildInfo.Commit)), description: "1, labelled with the version and commit this binary was built from.");
        _meter.CreateObservableCounter("otpfast.gc.allocated", static () => GC.GetTotalAllocatedBytes(), unit: "By", description: "Bytes allocated on the managed heap since start (dotnet_gc_heap_total_allocated_bytes_total is the standard name).");
        _meter.CreateObservableGauge("otpfast.gc.heap", static () => GC.GetGCMemoryInfo().HeapSizeBytes, unit: "By", description: "Managed heap size after the last collection.");
        _meter.CreateObservableCounter("otpfast.gc.collections", CollectionCounts, description: "Garbage collections by generation (dotnet_gc_collections_total is the standard name).");
    }

    /// <summary>Codes a requestOneTimeCode answer can carry (only these are shown before they happen).</summary>
    public static ReadOnlySpan<int> RequestCodes =>
    [
        ApiCode.Accepted, ApiCode.Malformed, ApiCode.InvalidMethod, ApiCode.EmptyKey, ApiCode.InvalidKey, ApiCode.SendingBlocked, ApiCode.AccountExpired,
        ApiCode.TooLarge, ApiCode.RateLimited, ApiCode.Deactivated, ApiCode.InvalidCodeType, ApiCode.InvalidCodeLength, ApiCode.InvalidExpiry,
        ApiCode.InvalidRecreate, ApiCode.Unavailable,
    ];

    /// <summary>Codes a verifyOneTimeCode answer can carry.</summary>
    public static ReadOnlySpan<int> VerifyCodes =>
    [
        ApiCode.Accepted, ApiCode.Malformed, ApiCode.InvalidMethod, ApiCode.EmptyKey, ApiCode.InvalidKey, ApiCode.AccountExpired, ApiCode.TooLarge,
        ApiCode.RateLimited, ApiCode.InvalidTokenOrOtp, ApiCode.Deactivated, ApiCode.Unavailable,
    ];

    /// <summary>Whether anything listens to the duration histogram (else the clock is not read).</summary>
    public bool TimesRequests => _duration.Enabled;

    public void CountRequest(int code) => CountAnswer(1, RequestEndpoint, code);

    public void CountVerify(int code) => CountAnswer(1, VerifyEndpoint, code);

    public void CountOutcome(VerifyOutcome outcome) => _verifyOutcomes.Add(1, _outcomes[(int)outcome]);

    public void CountRefused(ConnectionRefusal reason) => _refusedConnections.Add(1, _refusals[(int)reason]);

    /// <param name="started">A <see cref="Stopwatch.GetTimestamp"/> taken when the request reached OtpFast.</param>
    public void TimeRequest(long started) => _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, RequestEndpoint);

    /// <inheritdoc cref="TimeRequest"/>
    public void TimeVerify(long started) => _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, VerifyEndpoint);

    /// <summary>
    /// Counts 0 for every answer and outcome that can happen, so a listener that has just started
    /// shows those series before their first event (Prometheus' rate() needs the zero), and
    /// none for a code an endpoint never answers.
    /// </summary>
    public void ShowPossibleSeries()
    {
        foreach (int code in RequestCodes)
        {
            CountAnswer(0, RequestEndpoint, code);
        }

        foreach (int code in VerifyCodes)
        {
            CountAnswer(0, VerifyEndpoint, code);
        }

        foreach (KeyValuePair<string, object?> outcome in _outcomes)
        {
            _verifyOutcomes.Add(0, outcome);
        }

        foreach (KeyValuePair<string, object?> refusal in _refusals)
        {
            _refusedConnections.Add(0, refusal);
        }
    }

    /// <summary>Adds the gauges read from the store and the accounts, which the container makes after this.</summary>
    /// <param name="store">The embedded store, whose counts are read here; null for a shared store (Redis counts its own keys).</param>
    public void ObserveState(ShardedOtpStore? store, AccountsHolder accounts)
    {
        _meter.CreateObservableGauge("otpfast.accounts", () => (long)accounts.Current.Accounts.Count, description: "Accounts loaded.");
        if (store is null)
        {
            return;
        }

        _meter.CreateObservableGauge("otpfast.live_pairs", () => Math.Max(0, store.LiveCount - store.TombstoneCount), description: "Token-OTP pairs that can still verify (tombstones apart).");
        _meter.CreateObservableGauge("otpfast.tombstones", () => store.TombstoneCount, description: "Used, locked and expired pairs kept to answer why a verify fails; they count towards MaxLivePairs but give way.");
        _meter.CreateObservableCounter("otpfast.tombstones_given_way", () => store.TombstonesGivenWay, description: "Tombstones reclaimed early, oldest first, to make room for a new pair in a full store.");
        _meter.CreateObservableCounter("otpfast.failed_verify_lockouts", () => store.FailedVerifyBudgetsSpent, description: "Times an account + tokenCreator spent MaxFailedVerifiesPerCreator: locked out for the rest of its window.");
        if (store.Journal is not { } journal)
        {
            return;
        }

        _meter.CreateObservableGauge("otpfast.journal.failing", () => journal.IsFailing ? 1L : 0L, description: "1 while the disk refuses journal writes (changes answer 503).");
        _meter.CreateObservableCounter("otpfast.journal.syncs", () => journal.Syncs, description: "Group commits: appends made durable with one fdatasync each.");
        _meter.CreateObservableCounter("otpfast.journal.write_failures", () => journal.WriteFailures, description: "Journal writes or syncs the disk refused.");
        _meter.CreateObservableGauge("otpfast.journal.bytes", () => journal.BytesSinceSnapshot, description: "Journal bytes not yet folded into the snapshot.");
        _meter.CreateObservableCounter("otpfast.journal.compactions", () => journal.Compactions, description: "Snapshots written to fold the journal in.");
    }

    public void Dispose() => _meter.Dispose();

    private void CountAnswer(long delta, KeyValuePair<string, object?> endpoint, int code) => _answers.Add(delta, endpoint, _codes[IndexOf(code)]);

    private static IEnumerable<Measurement<long>> CollectionCounts()
    {
        var counts = new Measurement<long>[GC.MaxGeneration + 1];
        for (int gen = 0; gen < counts.Length; gen++)
        {
            counts[gen] = new Measurement<long>(GC.CollectionCount(gen), new KeyValuePair<string, object?>("generation", gen.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return counts;
    }

    private static int IndexOf(int code) => (uint)code < (uint)Slots.Length ? Slots[code] - 1 : -1;

    private static byte[] SlotsOf(int[] codes)
    {
        var slots = new byte[codes.Max() + 1];
        for (int i = 0; i < codes.Length; i++)
        {
            slots[codes[i]] = checked((byte)(i + 1));
        }

        return slots;
    }
}
