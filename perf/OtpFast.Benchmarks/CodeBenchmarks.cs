using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OtpFast.Core.Codes;

namespace OtpFast.Benchmarks;

/// <summary>A 6-digit code: the BCL's RandomNumberGenerator.GetItems against the pooled generator.</summary>
[MemoryDiagnoser]
public class CodeBenchmarks
{
    private readonly char[] _chars = new char[6];
    private readonly byte[] _bytes = new byte[6];

    [Benchmark(Baseline = true)]
    public char[] GetItemsIntoSpan()
    {
        RandomNumberGenerator.GetItems("0123456789", _chars.AsSpan());
        return _chars;
    }

    [Benchmark]
    public char[] CodeGeneratorChars()
    {
        CodeGenerator.Write(CodeType.Num, _chars.AsSpan());
        return _chars;
    }

    [Benchmark]
    public byte[] CodeGeneratorUtf8()
    {
        CodeGenerator.Write(CodeType.Num, _bytes.AsSpan());
        return _bytes;
    }
}
