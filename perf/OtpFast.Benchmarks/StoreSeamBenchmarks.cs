using System.Text;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;

namespace OtpFast.Benchmarks;

/// <summary>
/// What the async store seam (<see cref="IOtpStore"/>) costs the in-memory store: the same issue
/// and verify called directly (synchronous, the control) and through the interface's ValueTask
/// calls, on 100,000 live pairs, durability off. Goal: 0 B allocated and no loss beyond noise.
/// </summary>
[MemoryDiagnoser]
public class StoreSeamBenchmarks
{
    private const int Pairs = 100_000;

    private ShardedOtpStore _store = null!;
    private IOtpStore _seam = null!;
    private byte[][] _creators = null!;
    private UInt128[] _digests = null!;
    private OtpToken[] _tokens = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _store = new ShardedOtpStore(new OtpStoreOptions { MaxVerifyAttempts = ushort.MaxValue, MaxFailedVerifiesPerCreator = ushort.MaxValue, MaxLivePairs = Pairs * 2 }, TimeProvider.System);
        _seam = _store;
        _creators = new byte[Pairs][];
        _digests = new UInt128[Pairs];
        _tokens = new OtpToken[Pairs];
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int i = 0; i < Pairs; i++)
        {
            _creators[i] = Encoding.UTF8.GetBytes($"user{i}@example.com");
            _digests[i] = _store.DigestCreator(1, _creators[i]);
            _tokens[i] = _store.Issue(1, _digests[i], CodeType.Num, 6, 3600, false, otp).Token;
        }
    }

    [Benchmark(Baseline = true)]
    public OtpToken IssueDirect()
    {
        int i = Next();
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        UInt128 creator = _store.DigestCreator(1, _creators[i]);
        return _tokens[i] = _store.Issue(1, creator, CodeType.Num, 6, 3600, true, otp).Token;
    }

    [Benchmark]
    public OtpToken IssueThroughSeam()
    {
        int i = Next();
        var request = new IssueRequest(1, _seam.DigestCreator(1, _creators[i]), CodeType.Num, 6, 3600, true);
        ValueTask<IssueResult> issuing = _seam.IssueAsync(request);
        return _tokens[i] = issuing.IsCompletedSuccessfully ? issuing.Result.Token : issuing.AsTask().GetAwaiter().GetResult().Token;
    }

    [Benchmark]
    public VerifyOutcome VerifyDirect()
    {
        int i = Next();
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        return _store.Verify(1, _tokens[i], "000000"u8, matched).Outcome;
    }

    [Benchmark]
    public VerifyOutcome VerifyThroughSeam()
    {
        int i = Next();
        ValueTask<VerifyResult> verifying = _seam.VerifyAsync(new VerifyRequest(1, _tokens[i], new OtpCode("000000"u8)));
        return verifying.IsCompletedSuccessfully ? verifying.Result.Outcome : verifying.AsTask().GetAwaiter().GetResult().Outcome;
    }

    private int Next()
    {
        int i = _next + 1;
        _next = i == Pairs ? 0 : i;
        return _next;
    }
}
