using System.Globalization;
using System.Text;
using OtpFast.Core.Store;
using OtpFast.Core.Store.Journal;
using OtpFast.Server.Api;

namespace OtpFast.Server.Observability;

/// <summary>Counts answers per endpoint and code, served as Prometheus text on <c>GET /metrics</c>.</summary>
internal sealed class ApiMetrics
{
    private readonly long[] _request = new long[ApiCode.All.Length];
    private readonly long[] _verify = new long[ApiCode.All.Length];
    private readonly long[] _verifyOutcomes = new long[Enum.GetValues<VerifyOutcome>().Length];
    private readonly long[] _refusedConnections = new long[Enum.GetValues<ConnectionRefusal>().Length];

    public void CountRequest(int code) => Interlocked.Increment(ref _request[IndexOf(code)]);

    public void CountVerify(int code) => Interlocked.Increment(ref _verify[IndexOf(code)]);

    public void CountOutcome(VerifyOutcome outcome) => Interlocked.Increment(ref _verifyOutcomes[(int)outcome]);

    public void CountRefused(ConnectionRefusal reason) => Interlocked.Increment(ref _refusedConnections[(int)reason]);

    public string Render(ShardedOtpStore store, int accounts)
    {
        StoreJournal? journal = store.Journal;
        long tombstones = store.TombstoneCount;
        var text = new StringBuilder(2048);
        text.Append("# HELP otpfast_answers_total API answers by endpoint and body code.\n");
        text.Append("# TYPE otpfast_answers_total counter\n");
        ReadOnlySpan<int> codes = ApiCode.All;
        for (int i = 0; i < codes.Length; i++)
        {
            Line(text, "requestOneTimeCode", codes[i], Volatile.Read(ref _request[i]));
            Line(text, "verifyOneTimeCode", codes[i], Volatile.Read(ref _verify[i]));
        }

        text.Append("# HELP otpfast_verify_outcomes_total Verify outcomes by reason.\n");
        text.Append("# TYPE otpfast_verify_outcomes_total counter\n");
        foreach (VerifyOutcome outcome in Enum.GetValues<VerifyOutcome>())
        {
            string reason = outcome == VerifyOutcome.Verified ? "verified" : Encoding.ASCII.GetString(ApiResponse.ReasonText(outcome));
            text.Append(CultureInfo.InvariantCulture, $"otpfast_verify_outcomes_total{{reason=\"{reason}\"}} {Volatile.Read(ref _verifyOutcomes[(int)outcome])}\n");
        }

        text.Append("# HELP otpfast_connections_refused_total Connections closed before their first request: over MaxConnectionsPerClient, or its headers not complete within RequestHeadersTimeoutSeconds.\n");
        text.Append("# TYPE otpfast_connections_refused_total counter\n");
        RefusedLine(text, "per_client_limit", ConnectionRefusal.PerClientLimit);
        RefusedLine(text, "headers_timeout", ConnectionRefusal.HeadersTimeout);

        Metric(text, "otpfast_live_pairs", "gauge", "Token-OTP pairs that can still verify (tombstones apart).", Math.Max(0, store.LiveCount - tombstones));
        Metric(text, "otpfast_tombstones", "gauge", "Used, locked and expired pairs kept to answer why a verify fails; they count towards MaxLivePairs but give way.", tombstones);
        Metric(text, "otpfast_tombstones_given_way_total", "counter", "Tombstones reclaimed early, oldest first, to make room for a new pair in a full store.", store.TombstonesGivenWay);
        Metric(text, "otpfast_failed_verify_lockouts_total", "counter", "Times an account + tokenCreator spent MaxFailedVerifiesPerCreator: locked out for the rest of its window.", store.FailedVerifyBudgetsSpent);
        text.Append("# HELP otpfast_accounts Accounts loaded.\n# TYPE otpfast_accounts gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"otpfast_accounts {accounts}\n");
        if (journal is not null)
        {
            Metric(text, "otpfast_journal_failing", "gauge", "1 while the disk refuses journal writes (changes answer 503).", journal.IsFailing ? 1 : 0);
            Metric(text, "otpfast_journal_syncs_total", "counter", "Group commits: appends made durable with one fdatasync each.", journal.Syncs);
            Metric(text, "otpfast_journal_write_failures_total", "counter", "Journal writes or syncs the disk refused.", journal.WriteFailures);
            Metric(text, "otpfast_journal_bytes", "gauge", "Journal bytes not yet folded into the snapshot.", journal.BytesSinceSnapshot);
            Metric(text, "otpfast_journal_compactions_total", "counter", "Snapshots written to fold the journal in.", journal.Compactions);
        }

        text.Append("# HELP otpfast_gc_allocated_bytes_total Bytes allocated on the managed heap since start.\n# TYPE otpfast_gc_allocated_bytes_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"otpfast_gc_allocated_bytes_total {GC.GetTotalAllocatedBytes()}\n");
        text.Append("# HELP otpfast_gc_heap_bytes Managed heap size after the last collection.\n# TYPE otpfast_gc_heap_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"otpfast_gc_heap_bytes {GC.GetGCMemoryInfo().HeapSizeBytes}\n");
        text.Append("# HELP otpfast_gc_collections_total Garbage collections by generation.\n# TYPE otpfast_gc_collections_total counter\n");
        for (int gen = 0; gen <= GC.MaxGeneration; gen++)
        {
            text.Append(CultureInfo.InvariantCulture, $"otpfast_gc_collections_total{{generation=\"{gen}\"}} {GC.CollectionCount(gen)}\n");
        }
        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private void RefusedLine(StringBuilder text, string reason, ConnectionRefusal refusal) =>
        text.Append(CultureInfo.InvariantCulture, $"otpfast_connections_refused_total{{reason=\"{reason}\"}} {Volatile.Read(ref _refusedConnections[(int)refusal])}\n");

    private static void Line(StringBuilder text, string endpoint, int code, long count) =>
        text.Append(CultureInfo.InvariantCulture, $"otpfast_answers_total{{endpoint=\"{endpoint}\",code=\"{code}\"}} {count}\n");

    private static int IndexOf(int code) => ApiCode.All.IndexOf(code);
}
