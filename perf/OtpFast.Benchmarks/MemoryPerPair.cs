using System.Globalization;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Benchmarks;

/// <summary>
/// Managed-heap growth per live pair at a given number of pairs (both indexes, wheel links,
/// code, deadline, attempt count: everything the store holds for a pair).
/// </summary>
internal static class MemoryPerPair
{
    public static void Run(int pairs)
    {
        long before = Settle();
        var store = new ShardedOtpStore(new OtpStoreOptions { MaxLivePairs = pairs }, TimeProvider.System);
        PairFill.Issue(store, pairs, "u");

        long after = Settle();
        GC.KeepAlive(store);
        double perPair = (after - before) / (double)pairs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pairs={pairs:N0} heap_growth={(after - before) / 1048576.0:F1} MiB bytes_per_pair={perPair:F1} (goal <= 128)"));
    }

    private static long Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
