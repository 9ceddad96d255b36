using BenchmarkDotNet.Attributes;
using OtpFast.Core.Transactions;

namespace OtpFast.Benchmarks;

/// <summary>
/// Transaction ids on 1 and 2 threads: per-thread blocks against the compare-and-swap per id on
/// one shared counter that came before (kept below as the baseline).
/// </summary>
[MemoryDiagnoser]
public class TransactionIdBenchmarks
{
    private const int OpsPerInvoke = 100_000;

    private readonly TransactionIdGenerator _blocks = new(1, TimeProvider.System);
    private readonly SharedCounterIds _shared = new(1, TimeProvider.System);

    [Params(1, 2)]
    public int Threads { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
    public long SharedCounter() => Run(static b => b._shared.Next());

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public long PerThreadBlocks() => Run(static b => b._blocks.Next());

    private long Run(Func<TransactionIdBenchmarks, long> next)
    {
        long last = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            long mine = 0;
            for (int i = 0; i < OpsPerInvoke / Threads; i++)
            {
                mine = next(this);
            }

            Interlocked.Exchange(ref last, mine);
        });
        return last;
    }

    /// <summary>The generator before per-thread blocks: max(previous + 1, now &lt;&lt; 12) by compare-and-swap.</summary>
    private sealed class SharedCounterIds(int node, TimeProvider time)
    {
        private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private long _counter;

        public long Next()
        {
            long floor = (long)(time.GetUtcNow() - Epoch).TotalMilliseconds << 12;
            long current = Volatile.Read(ref _counter);
            while (true)
            {
                long next = Math.Max(current + 1, floor);
                long seen = Interlocked.CompareExchange(ref _counter, next, current);
                if (seen == current)
                {
                    return (next << 10) | (uint)node;
                }

                current = seen;
            }
        }
    }
}
