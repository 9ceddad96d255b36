using System.Diagnostics;
using System.Globalization;
using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Benchmarks;

/// <summary>
/// 1,000,000 pairs that expire in the same second: how long after their deadline the heartbeat
/// has reclaimed them all, and the p99 of store operations running meanwhile against the p99 of
/// the same operations on a quiet store, measured in the same run.
/// </summary>
internal static class MassExpiry
{
    private const int Doomed = 1_000_000;
    private const int Background = 50_000;

    public static void Run()
    {
        // No tombstone time, so that the pairs leave the store at their deadline and the live count
        // shows the reclaim. (By default the same wheel work, unlink and relink, turns each into an
        // expired tombstone at its deadline, and reclaims it 15 minutes later.)
        var store = new ShardedOtpStore(new OtpStoreOptions { MaxLivePairs = Doomed + Background + 100_000, TombstoneLifetime = TimeSpan.Zero }, TimeProvider.System);
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        byte[][] creators = Enumerable.Range(0, Background).Select(i => Encoding.ASCII.GetBytes($"live{i}")).ToArray();
        foreach (byte[] c in creators)
        {
            store.Issue(2, c, CodeType.Num, 6, 3600, false, otp);
        }

        // Quiet p99 first, with the heartbeat running but nothing to reclaim.
        using var heartbeat = new ExpiryHeartbeat(TimeSpan.FromMilliseconds(100));
        heartbeat.Register(store);
        double quietP99 = Percentile(Measure(store, creators, TimeSpan.FromSeconds(3)).Select(s => s.Ms).ToList(), 0.99);

        // Fill so that every doomed pair's deadline falls in the same one-second window.
        var fill = Stopwatch.StartNew();
        Span<byte> creator = stackalloc byte[24];
        long deadlineMs = store.NowMs + 10_000;
        for (int i = 0; i < Doomed; i++)
        {
            Encoding.ASCII.TryGetBytes(string.Create(CultureInfo.InvariantCulture, $"d{i}"), creator, out int n);
            int expiry = (int)((deadlineMs - store.NowMs + 999) / 1000);
            store.Issue(1, creator[..n], CodeType.Num, 6, expiry, false, otp);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled {Doomed:N0} pairs in {fill.Elapsed.TotalSeconds:F1} s; live={store.LiveCount:N0}"));
        long lastDeadline = deadlineMs + 1000;

        // Measure operations across the expiry, and watch the live count fall.
        long reclaimStartMs = long.MaxValue;
        long reclaimEndMs = long.MaxValue;
        var watcher = new Thread(() =>
        {
            while (store.LiveCount == Doomed + Background)
            {
                Thread.Sleep(1);
            }

            reclaimStartMs = store.NowMs;
            while (store.LiveCount > Background)
            {
                Thread.Sleep(1);
            }

            reclaimEndMs = store.NowMs;
        });
        watcher.Start();
        long waitUntil = lastDeadline + 3000;
        var all = Measure(store, creators, TimeSpan.FromMilliseconds(Math.Max(1000, waitUntil - store.NowMs)));
        watcher.Join();
        double reclaimedAfterMs = reclaimEndMs - lastDeadline;

        // Only the operations that ran while the wheel was reclaiming count as "during".
        var busy = all.Where(s => s.AtMs >= reclaimStartMs && s.AtMs <= reclaimEndMs).Select(s => s.Ms).ToList();
        double busyP99 = Percentile(busy, 0.99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reclaim ran {reclaimEndMs - reclaimStartMs} ms; {busy.Count:N0} store ops measured during it"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all {Doomed:N0} reclaimed {reclaimedAfterMs:F0} ms after the last deadline (goal <= 2000 ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"store op p99: quiet {quietP99 * 1000:F2} us, during mass expiry {busyP99 * 1000:F2} us, ratio {busyP99 / quietP99:F2} (goal <= 2.00)"));
    }

    // Lookups of live pairs (reCreate=false) in a tight loop, timing each one.
    private static List<(long AtMs, double Ms)> Measure(ShardedOtpStore store, byte[][] creators, TimeSpan duration)
    {
        var samples = new List<(long AtMs, double Ms)>(1 << 20);
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        var clock = Stopwatch.StartNew();
        int i = 0;
        while (clock.Elapsed < duration)
        {
            long start = Stopwatch.GetTimestamp();
            store.Issue(2, creators[i++ % creators.Length], CodeType.Num, 6, 3600, false, otp);
            samples.Add((store.NowMs, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        }

        return samples;
    }

    private static double Percentile(List<double> samples, double p)
    {
        samples.Sort();
        return samples[(int)(p * (samples.Count - 1))];
    }
}
