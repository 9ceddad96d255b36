using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Tokens;

namespace OtpFast.Benchmarks;

/// <summary>A 26-character base32 token: the BCL's RandomNumberGenerator.GetString against OtpToken.</summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private readonly byte[] _utf8 = new byte[OtpToken.Length];
    private readonly char[] _chars = new char[OtpToken.Length];

    [Benchmark(Baseline = true)]
    public string GetString() => RandomNumberGenerator.GetString(Base32, OtpToken.Length);

    [Benchmark]
    public byte[] OtpTokenIntoUtf8Span()
    {
        OtpToken.NewRandom().Format(_utf8);
        return _utf8;
    }

    [Benchmark]
    public char[] OtpTokenIntoCharSpan()
    {
        OtpToken.NewRandom().Format(_chars);
        return _chars;
    }
}
