using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;

namespace OtpFast.Benchmarks;

/// <summary>
/// Store operations on 100,000 live pairs, on 1 and 2 threads, against the BCL way: a
/// ConcurrentDictionary keyed by the token holding a class per pair.
/// </summary>
/// <remarks>
/// Insert = a new pair replacing the live one of its tokenCreator (reCreate=true). Lookup =
/// asking again with reCreate=false (returns the live pair). Verify = checking a wrong code
/// (the attempt limit and the creator's failed-verify budget are raised to their maximum so
/// pairs stay live and every failure is counted), constant-time compare included;
/// StoreVerifyWithoutBudget is the same on a store with the budget off, to price it.
/// The baseline does the same map work: replace = remove old + add new, lookup = TryGetValue,
/// verify = TryGetValue + FixedTimeEquals.
/// </remarks>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const int Pairs = 100_000;
    private const int OpsPerInvoke = 20_000;

    private ShardedOtpStore _store = null!;
    private ShardedOtpStore _storeWithoutBudget = null!;
    private OtpToken[] _tokensWithoutBudget = null!;
    private byte[][] _creators = null!;
    private OtpToken[] _tokens = null!;
    private ConcurrentDictionary<UInt128, BaselinePair> _byToken = null!;
    private ConcurrentDictionary<string, UInt128> _byCreator = null!;
    private string[] _creatorStrings = null!;
    private UInt128[] _baselineTokens = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new ShardedOtpStore(new OtpStoreOptions { MaxVerifyAttempts = ushort.MaxValue, MaxFailedVerifiesPerCreator = ushort.MaxValue, MaxLivePairs = Pairs * 2 }, TimeProvider.System);
        _storeWithoutBudget = new ShardedOtpStore(new OtpStoreOptions { MaxVerifyAttempts = ushort.MaxValue, MaxFailedVerifiesPerCreator = 0, MaxLivePairs = Pairs * 2 }, TimeProvider.System);
        _tokensWithoutBudget = new OtpToken[Pairs];
        _creators = new byte[Pairs][];
        _creatorStrings = new string[Pairs];
        _tokens = new OtpToken[Pairs];
        _byToken = new ConcurrentDictionary<UInt128, BaselinePair>();
        _byCreator = new ConcurrentDictionary<string, UInt128>();
        _baselineTokens = new UInt128[Pairs];
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int i = 0; i < Pairs; i++)
        {
            _creatorStrings[i] = $"user{i}@example.com";
            _creators[i] = Encoding.UTF8.GetBytes(_creatorStrings[i]);
            _tokens[i] = _store.Issue(1, _creators[i], CodeType.Num, 6, 3600, false, otp).Token;
            _tokensWithoutBudget[i] = _storeWithoutBudget.Issue(1, _creators[i], CodeType.Num, 6, 3600, false, otp).Token;
            UInt128 token = OtpToken.NewRandom().Value;
            _baselineTokens[i] = token;
            _byToken[token] = new BaselinePair(_creatorStrings[i], Encoding.ASCII.GetBytes("123456"));
            _byCreator[_creatorStrings[i]] = token;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke)]
    public void ConcurrentDictionaryReplace() => Run(static (b, i) =>
    {
        string creator = b._creatorStrings[i];
        UInt128 fresh = OtpToken.NewRandom().Value;
        b._byToken[fresh] = new BaselinePair(creator, Encoding.ASCII.GetBytes("654321"));
        if (b._byCreator.TryGetValue(creator, out UInt128 old))
        {
            b._byToken.TryRemove(old, out _);
        }

        b._byCreator[creator] = fresh;
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void StoreReplace() => Run(static (b, i) =>
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        b._tokens[i] = b._store.Issue(1, b._creators[i], CodeType.Num, 6, 3600, true, otp).Token;
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void ConcurrentDictionaryLookup() => Run(static (b, i) =>
    {
        if (b._byCreator.TryGetValue(b._creatorStrings[i], out UInt128 token))
        {
            b._byToken.TryGetValue(token, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void StoreLookup() => Run(static (b, i) =>
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        b._store.Issue(1, b._creators[i], CodeType.Num, 6, 3600, false, otp);
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void ConcurrentDictionaryVerify() => Run(static (b, i) =>
    {
        if (b._byToken.TryGetValue(b._baselineTokens[i], out BaselinePair? pair))
        {
            CryptographicOperations.FixedTimeEquals(pair.Otp, "000000"u8);
        }
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void StoreVerify() => Run(static (b, i) =>
    {
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        b._store.Verify(1, b._tokens[i], "000000"u8, matched);
    });

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void StoreVerifyWithoutBudget() => Run(static (b, i) =>
    {
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        b._storeWithoutBudget.Verify(1, b._tokensWithoutBudget[i], "000000"u8, matched);
    });

    private void Run(Action<StoreBenchmarks, int> op)
    {
        if (Threads == 1)
        {
            Slice(op, 0, OpsPerInvoke);
            return;
        }

        int per = OpsPerInvoke / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t => Slice(op, t * per, per));
    }

    private void Slice(Action<StoreBenchmarks, int> op, int start, int count)
    {
        // A multiplicative walk spreads consecutive operations over the pairs.
        for (int n = start; n < start + count; n++)
        {
            op(this, (int)((uint)(n * 40503) % Pairs));
        }
    }

    private sealed record BaselinePair(string Creator, byte[] Otp);
}
