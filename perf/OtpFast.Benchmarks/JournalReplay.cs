using System.Diagnostics;
using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Benchmarks;

/// <summary>
/// Start-up replay: a journal of N changes (new pairs, a fifth of them then verified wrong once
/// and a tenth consumed) is replayed by <see cref="StoreRecovery"/> three times; the median is
/// printed. Goal: 1,000,000 changes in at most 1 s.
/// </summary>
internal static class JournalReplay
{
    public static void Run(int changes)
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-replay-").FullName;
        try
        {
            var options = new OtpStoreOptions { MaxLivePairs = changes * 2L };
            var store = new ShardedOtpStore(options, TimeProvider.System);
            long written = 0;
            using (var journal = new StoreJournal(store, dir, 1, 0, new JournalOptions { Mode = DurabilityMode.Relaxed, CompactBytes = long.MaxValue }, new Quiet()))
            {
                Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
                Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
                for (int i = 0; written < changes; i++)
                {
                    var issued = store.Issue(1, Encoding.UTF8.GetBytes($"user{i}@example.com"), CodeType.Num, 6, 3600, false, otp);
                    written++;
                    if (i % 5 == 0 && written < changes)
                    {
                        store.Verify(1, issued.Token, "000000"u8, matched);
                        written++;
                    }

                    if (i % 10 == 0 && written < changes)
                    {
                        store.Verify(1, issued.Token, otp[..issued.OtpLength], matched);
                        written++;
                    }

                    if ((i & 0xFFFF) == 0)
                    {
                        // Keep the shard buffers under their backlog cap: let the writer catch up.
                        journal.SyncAsync().AsTask().Wait();
                    }
                }

                journal.SyncAsync().AsTask().Wait();
            }

            long bytes = Directory.GetFiles(dir, "journal.*").Sum(f => new FileInfo(f).Length);
            var times = new List<double>();
            long live = 0;
            for (int run = 0; run < 3; run++)
            {
                GC.Collect();
                var watch = Stopwatch.StartNew();
                RecoveredStore recovered = StoreRecovery.Open(dir, options, TimeProvider.System);
                times.Add(watch.Elapsed.TotalMilliseconds);
                live = recovered.Store.LiveCount;
                if (recovered.Journal.Records != written)
                {
                    throw new InvalidOperationException($"replayed {recovered.Journal.Records} records, wrote {written}");
                }
            }

            times.Sort();
            Console.WriteLine($"journal: {written:N0} changes, {bytes / 1048576.0:F1} MiB; {live:N0} pairs after replay");
            Console.WriteLine($"replay ms (3 runs, sorted): {string.Join(", ", times.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}; median {times[1]:F0} ms; goal at most 1000 ms for 1,000,000 changes");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Quiet : IJournalEvents
    {
        public void WriteFailed(string segmentPath, string problem) => throw new IOException(problem);

        public void WriteRecovered(string segmentPath)
        {
        }

        public void Compacted(long pairs, int segmentsDeleted, TimeSpan took)
        {
        }

        public void CompactionFailed(string problem)
        {
        }
    }
}
