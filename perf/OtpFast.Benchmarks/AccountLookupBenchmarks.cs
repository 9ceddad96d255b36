using System.Collections.Frozen;
using System.Text;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Accounts;

namespace OtpFast.Benchmarks;

/// <summary>
/// Finding the account of a presented API key (every request does it): SHA-256 of the key and a
/// lookup of the digest, as before, against the directory, which finds a key it found before
/// by a SipHash-128 of it.
/// </summary>
[MemoryDiagnoser]
public class AccountLookupBenchmarks
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes("Q7V3M2KX5ZB4N6PRT8WYC2HJ4L");
    private FrozenDictionary<KeyDigest, Account> _byDigest = null!;
    private AccountDirectory _directory = null!;

    [GlobalSetup]
    public void Setup()
    {
        Account[] accounts = [.. Enumerable.Range(1, 100).Select(i => new Account(i, $"a{i}", KeyDigest.Of(i == 50 ? _key : Encoding.UTF8.GetBytes($"other-key-{i}")), AccountState.Active, null))];
        _byDigest = accounts.ToFrozenDictionary(a => a.KeyDigest);
        _directory = new AccountDirectory(accounts);
    }

    [Benchmark(Baseline = true)]
    public Account Sha256ThenLookup() => _byDigest[KeyDigest.Of(_key)];

    [Benchmark]
    public Account Directory() => _directory.TryFind(_key, out Account account) ? account : null!;
}
