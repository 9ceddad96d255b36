using System.Text;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tokens;

namespace OtpFast.Benchmarks;

/// <summary>
/// What the journal costs a store operation: the same store with and without a journal attached
/// (relaxed mode, so nothing waits: this is the request thread's own cost, the record encoded
/// into its shard's buffer under the lock it already holds). The writer thread runs meanwhile.
/// </summary>
[MemoryDiagnoser]
public class JournalBenchmarks : IJournalEvents
{
    private const int Pairs = 100_000;
    private const int OpsPerInvoke = 20_000;

    private ShardedOtpStore _plain = null!;
    private ShardedOtpStore _journaled = null!;
    private StoreJournal _journal = null!;
    private string _dir = null!;
    private byte[][] _creators = null!;
    private OtpToken[] _plainTokens = null!;
    private OtpToken[] _journaledTokens = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new OtpStoreOptions { MaxVerifyAttempts = ushort.MaxValue, MaxFailedVerifiesPerCreator = ushort.MaxValue, MaxLivePairs = Pairs * 2 };
        _plain = new ShardedOtpStore(options, TimeProvider.System);
        _journaled = new ShardedOtpStore(options, TimeProvider.System);
        _dir = Directory.CreateTempSubdirectory("otpfast-bench-journal-").FullName;
        _journal = new StoreJournal(_journaled, _dir, 1, 0, new JournalOptions { Mode = DurabilityMode.Relaxed, CompactBytes = long.MaxValue }, this);
        _creators = new byte[Pairs][];
        _plainTokens = new OtpToken[Pairs];
        _journaledTokens = new OtpToken[Pairs];
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int i = 0; i < Pairs; i++)
        {
            _creators[i] = Encoding.UTF8.GetBytes($"user{i}@example.com");
            _plainTokens[i] = _plain.Issue(1, _creators[i], CodeType.Num, 6, 3600, false, otp).Token;
            _journaledTokens[i] = _journaled.Issue(1, _creators[i], CodeType.Num, 6, 3600, false, otp).Token;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
    public void ReplaceWithoutJournal()
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int n = 0; n < OpsPerInvoke; n++)
        {
            int i = Spread(n);
            _plainTokens[i] = _plain.Issue(1, _creators[i], CodeType.Num, 6, 3600, true, otp).Token;
        }
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void ReplaceJournaled()
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int n = 0; n < OpsPerInvoke; n++)
        {
            int i = Spread(n);
            _journaledTokens[i] = _journaled.Issue(1, _creators[i], CodeType.Num, 6, 3600, true, otp).Token;
        }
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void WrongAttemptWithoutJournal()
    {
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        for (int n = 0; n < OpsPerInvoke; n++)
        {
            _plain.Verify(1, _plainTokens[Spread(n)], "000000"u8, matched);
        }
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void WrongAttemptJournaled()
    {
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        for (int n = 0; n < OpsPerInvoke; n++)
        {
            _journaled.Verify(1, _journaledTokens[Spread(n)], "000000"u8, matched);
        }
    }

    void IJournalEvents.WriteFailed(string segmentPath, string problem) => throw new IOException(problem);

    void IJournalEvents.WriteRecovered(string segmentPath)
    {
    }

    void IJournalEvents.Compacted(long pairs, int segmentsDeleted, TimeSpan took)
    {
    }

    void IJournalEvents.CompactionFailed(string problem)
    {
    }

    // A multiplicative walk spreads consecutive operations over the pairs.
    private static int Spread(int n) => (int)((uint)(n * 40503) % Pairs);
}
