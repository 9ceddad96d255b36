using OtpFast.Core.Codes;

namespace OtpFast.Core.Tests.Codes;

public class CodeGeneratorTests
{
    private const int Codes = 1_000_000;
    private const int Length = 4;

    public static TheoryData<CodeType> AllTypes => new() { CodeType.Num, CodeType.Alpha, CodeType.Alphanum };

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void EverySymbolAndEveryPositionIsUniformAtAlpha0001(CodeType type)
    {
        // Each run of the test at alpha = 0.001 fails by chance once in a thousand; with 15 such
        // tests a suite would flake. A failing sample is therefore drawn once more: chance then
        // fails both with p = 1e-6, while a biased generator (see the next test) fails both always.
        Assert.True(SampleIsUniform(type, (t, code) => CodeGenerator.Write(t, code)) || SampleIsUniform(type, (t, code) => CodeGenerator.Write(t, code)));
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void TheSameTestRejectsAModuloBiasedGenerator(CodeType type)
    {
        Assert.False(SampleIsUniform(type, ModuloBiased));
        Assert.False(SampleIsUniform(type, ModuloBiased));
    }

    [Theory]
    [InlineData(CodeType.Num, "0123456789")]
    [InlineData(CodeType.Alpha, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    [InlineData(CodeType.Alphanum, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    public void CodesUseOnlyTheirAlphabetAndEventuallyAllOfIt(CodeType type, string alphabet)
    {
        var seen = new HashSet<char>();
        Span<char> code = stackalloc char[CodeAlphabet.MaxLength];
        for (int i = 0; i < 2000; i++)
        {
            CodeGenerator.Write(type, code);
            foreach (char c in code)
            {
                Assert.Contains(c, alphabet);
                seen.Add(c);
            }
        }

        Assert.Equal(alphabet.Length, seen.Count);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    public void WritesExactlyTheRequestedLength(int length)
    {
        Span<byte> buffer = stackalloc byte[16];
        buffer.Fill((byte)'#');
        CodeGenerator.Write(CodeType.Num, buffer[..length]);
        Assert.DoesNotContain((byte)'#', buffer[..length].ToArray());
        Assert.All(buffer[length..].ToArray(), b => Assert.Equal((byte)'#', b));
    }

    [Fact]
    public void LengthLimitsAreFourToTwelve()
    {
        Assert.False(CodeAlphabet.IsValidLength(3));
        Assert.True(CodeAlphabet.IsValidLength(4));
        Assert.True(CodeAlphabet.IsValidLength(12));
        Assert.False(CodeAlphabet.IsValidLength(13));
    }

    [Theory]
    [InlineData("num", CodeType.Num)]
    [InlineData("NUM", CodeType.Num)]
    [InlineData("Alpha", CodeType.Alpha)]
    [InlineData("alphaNUM", CodeType.Alphanum)]
    public void CodeTypeNamesAreCaseInsensitive(string name, CodeType expected)
    {
        Assert.True(CodeAlphabet.TryParse(System.Text.Encoding.ASCII.GetBytes(name), out CodeType type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData(" num")]
    [InlineData("num ")]
    [InlineData("numeric")]
    [InlineData("")]
    public void OtherCodeTypeNamesAreRejected(string name) =>
        Assert.False(CodeAlphabet.TryParse(System.Text.Encoding.ASCII.GetBytes(name), out _));

    [Fact]
    public void WritingACodeAllocatesNothing()
    {
        Span<byte> bytes = stackalloc byte[6];
        Span<char> chars = stackalloc char[6];
        CodeGenerator.Write(CodeType.Num, bytes);
        CodeGenerator.Write(CodeType.Num, chars);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            CodeGenerator.Write(CodeType.Alphanum, bytes);
            CodeGenerator.Write(CodeType.Num, chars);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static bool SampleIsUniform(CodeType type, Action<CodeType, Span<byte>> generate)
    {
        ReadOnlySpan<byte> symbols = CodeAlphabet.Symbols(type);
        var overall = new long[symbols.Length];
        var perPosition = new long[Length][];
        for (int p = 0; p < Length; p++)
        {
            perPosition[p] = new long[symbols.Length];
        }

        int[] indexOf = new int[128];
        for (int i = 0; i < symbols.Length; i++)
        {
            indexOf[symbols[i]] = i;
        }

        byte[] code = new byte[Length];
        for (int n = 0; n < Codes; n++)
        {
            generate(type, code);
            for (int p = 0; p < Length; p++)
            {
                int s = indexOf[code[p]];
                overall[s]++;
                perPosition[p][s]++;
            }
        }

        bool uniform = ChiSquare.IsUniform(overall);
        foreach (long[] position in perPosition)
        {
            uniform &= ChiSquare.IsUniform(position);
        }

        return uniform;
    }

    // The classic mistake: random byte % alphabet size, without rejecting the top of the range.
    private static void ModuloBiased(CodeType type, Span<byte> code)
    {
        ReadOnlySpan<byte> symbols = CodeAlphabet.Symbols(type);
        Span<byte> random = stackalloc byte[code.Length];
        SecureRandomPool.Fill(random);
        for (int i = 0; i < code.Length; i++)
        {
            code[i] = symbols[random[i] % symbols.Length];
        }
    }
}
