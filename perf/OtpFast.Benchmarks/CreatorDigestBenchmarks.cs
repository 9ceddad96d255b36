using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Hashing;
using OtpFast.Core.Store;

namespace OtpFast.Benchmarks;

/// <summary>
/// The creator digest hashed in place (the account id as SipHash's first bytes, tokenCreator
/// where it lies) against the way before it: both copied into a 1 KB stack buffer first.
/// </summary>
[MemoryDiagnoser]
public class CreatorDigestBenchmarks
{
    private readonly SipHash128 _key = new(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
    private byte[] _creator = null!;

    /// <summary>An e-mail address, a phone number's worth, and the longest accepted.</summary>
    [Params(20, 64, 1024)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup() => _creator = Enumerable.Range(0, Length).Select(i => (byte)('a' + (i % 26))).ToArray();

    [Benchmark(Baseline = true)]
    public UInt128 CopyThenHash()
    {
        ReadOnlySpan<byte> tokenCreator = _creator;
        Span<byte> input = stackalloc byte[4 + IssueRequest.MaxTokenCreatorBytes];
        BinaryPrimitives.WriteInt32LittleEndian(input, 7);
        tokenCreator.CopyTo(input[4..]);
        return _key.Hash(input[..(4 + tokenCreator.Length)]);
    }

    [Benchmark]
    public UInt128 HashInPlace() => CreatorDigest.Compute(_key, 7, _creator);
}
