using System.Diagnostics;
using System.Globalization;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Benchmarks;

/// <summary>
/// Writes a snapshot of N live pairs (account 1, one hour to live) into a data directory, so a
/// load run can start a server that already holds millions of pairs (perf/load/run.sh --scale)
/// instead of issuing them through HTTP for minutes.
/// </summary>
internal static class SnapshotFill
{
    public static void Run(int pairs, string dataDir)
    {
        var clock = Stopwatch.StartNew();
        var store = new ShardedOtpStore(new OtpStoreOptions { MaxLivePairs = pairs }, TimeProvider.System);
        PairFill.Issue(store, pairs, "preload");

        Directory.CreateDirectory(dataDir);
        long written = SnapshotFile.Save(SnapshotFile.PathIn(dataDir), store, DateTimeOffset.UtcNow);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"snapshot of {written:N0} pairs written to {SnapshotFile.PathIn(dataDir)} in {clock.Elapsed.TotalSeconds:F1} s"));
    }
}
