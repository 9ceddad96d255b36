using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Benchmarks;

/// <summary>
/// The cost of one new pair (a tokenCreator never seen: a place in MaxLivePairs taken, both
/// indexes and the table grow) on a store already holding 0, 1M or 10M pairs, on 2 threads,
/// against a ConcurrentDictionary keyed by token taking a new entry. Each invocation adds
/// OpsPerInvoke pairs that stay, so the index doublings that fall in the measured span are
/// paid as they come.
/// </summary>
[MemoryDiagnoser]
public class StoreInsertBenchmarks
{
    private const int OpsPerInvoke = 20_000;

    private ShardedOtpStore _store = null!;
    private ConcurrentDictionary<UInt128, byte[]> _dictionary = null!;
    private long _next;
    private long _nextBaseline;

    [Params(0, 1_000_000, 10_000_000)]
    public int Preloaded { get; set; }

    /// <summary>Two threads, as the server runs on this machine's two cores (the shared-line cost shows only there).</summary>
    [Params(2)]
    public int Threads { get; set; }

    // One setup per method: preloading 10M pairs into both would double the setup that the
    // in-process toolchain must finish within its time limit.
    [GlobalSetup(Target = nameof(ConcurrentDictionaryInsert))]
    public void SetupDictionary()
    {
        _dictionary = new ConcurrentDictionary<UInt128, byte[]>();
        for (long i = 0; i < Preloaded; i++)
        {
            _dictionary[Creator(i)] = [];
        }

        _nextBaseline = Preloaded;
    }

    [GlobalSetup(Target = nameof(StoreInsert))]
    public void SetupStore()
    {
        _store = new ShardedOtpStore(new OtpStoreOptions { MaxLivePairs = 100_000_000 }, TimeProvider.System);
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (long i = 0; i < Preloaded; i++)
        {
            _store.Issue(1, Creator(i), CodeType.Num, 6, 3600, false, otp);
        }

        _next = Preloaded;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store = null!;
        _dictionary = null!;
        GC.Collect();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
    public void ConcurrentDictionaryInsert() => Run(ref _nextBaseline, static (b, i) => b._dictionary[Creator(i)] = []);

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void StoreInsert() => Run(ref _next, static (b, i) =>
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        b._store.Issue(1, Creator(i), CodeType.Num, 6, 3600, false, otp);
    });

    // A creator digest made from a counter: distinct per pair, spread over shards and buckets.
    private static UInt128 Creator(long i) => new((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i * 0xC2B2AE3D27D4EB4FUL);

    private void Run(ref long next, Action<StoreInsertBenchmarks, long> op)
    {
        long first = next;
        next += OpsPerInvoke;
        int per = OpsPerInvoke / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (long i = first + (t * per); i < first + ((t + 1) * per); i++)
            {
                op(this, i);
            }
        });
    }
}
