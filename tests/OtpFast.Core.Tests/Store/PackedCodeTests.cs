using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Core.Tests.Store;

public class PackedCodeTests
{
    private static ReadOnlySpan<byte> Alphabet => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"u8;

    [Fact]
    public void EveryLengthRoundTripsAtTheEdgesAndAtRandom()
    {
        var random = new Random(12);
        for (int length = 0; length <= CodeAlphabet.MaxLength; length++)
        {
            RoundTrip(new string('0', length));
            RoundTrip(new string('Z', length));
            for (int n = 0; n < 200; n++)
            {
                var code = new StringBuilder(length);
                for (int i = 0; i < length; i++)
                {
                    code.Append((char)Alphabet[random.Next(36)]);
                }

                RoundTrip(code.ToString());
            }
        }
    }

    [Fact]
    public void EverySymbolAtEveryPositionOfEveryLengthRoundTrips()
    {
        for (int length = CodeAlphabet.MinLength; length <= CodeAlphabet.MaxLength; length++)
        {
            for (int position = 0; position < length; position++)
            {
                foreach (byte symbol in Alphabet)
                {
                    char[] code = new string('7', length).ToCharArray();
                    code[position] = (char)symbol;
                    RoundTrip(new string(code));
                }
            }
        }
    }

    [Fact]
    public void CodesOfEveryTypeTheGeneratorWritesRoundTrip()
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        foreach (CodeType type in Enum.GetValues<CodeType>())
        {
            for (int length = CodeAlphabet.MinLength; length <= CodeAlphabet.MaxLength; length++)
            {
                for (int n = 0; n < 100; n++)
                {
                    CodeGenerator.Write(type, otp[..length]);
                    RoundTrip(Encoding.ASCII.GetString(otp[..length]));
                }
            }
        }
    }

    // Leading zeros vanish in the number: this is why PairEntry compares the length too.
    [Fact]
    public void TheNumberAloneDoesNotTellLeadingZeros() =>
        Assert.True(PackedCode.FromStored("1234"u8).Matches(PackedCode.FromSent("01234"u8)));

    [Fact]
    public void DistinctCodesOfOneLengthPackDistinctly()
    {
        Assert.False(PackedCode.FromStored("1234"u8).Matches(PackedCode.FromSent("1235"u8)));
        Assert.False(PackedCode.FromStored("ZZZZZZZZZZZZ"u8).Matches(PackedCode.FromSent("ZZZZZZZZZZZY"u8)));
        Assert.False(PackedCode.FromStored("0000000000Z0"u8).Matches(PackedCode.FromSent("00000000010Z"u8)));
    }

    // What the byte comparison before packing accepted: a-z upper-cased, then byte for byte
    // equal to the stored symbol. Every byte value at every position must agree with it.
    [Fact]
    public void EverySentByteMatchesExactlyWhenTheByteComparisonMatched()
    {
        byte[] stored = "09AZMQ"u8.ToArray();
        PackedCode packed = PackedCode.FromStored(stored);
        for (int position = 0; position < stored.Length; position++)
        {
            for (int b = 0; b < 256; b++)
            {
                byte[] sent = (byte[])stored.Clone();
                sent[position] = (byte)b;
                int upper = b is >= 'a' and <= 'z' ? b - 32 : b;
                Assert.Equal(upper == stored[position], packed.Matches(PackedCode.FromSent(sent)));
            }
        }
    }

    [Theory]
    [InlineData("12!4")]
    [InlineData("12 4")]
    [InlineData("1234\0")]
    [InlineData("abcd")]
    [InlineData("ÀBCD")]
    public void AStoredCodeOutsideTheAlphabetMatchesNothingNotEvenItself(string code)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(code);
        PackedCode stored = PackedCode.FromStored(bytes);
        Assert.False(stored.CanMatch);
        Assert.False(stored.Matches(PackedCode.FromSent(bytes)));
        Assert.False(stored.Matches(PackedCode.FromSent(Encoding.ASCII.GetBytes(code.ToUpperInvariant()))));

        // Written out as zeros, which read back as unmatchable: a rewrite cannot make it verify.
        byte[] written = new byte[bytes.Length];
        stored.CopyTo(written);
        Assert.All(written, b => Assert.Equal(0, b));
        Assert.False(PackedCode.FromStored(written).CanMatch);
    }

    [Fact]
    public void ASentCodeOutsideTheAlphabetMatchesNoStoredCode()
    {
        Assert.False(PackedCode.FromStored("1234"u8).Matches(PackedCode.FromSent("123!"u8)));

        // '0' packs as 0: a byte outside the alphabet must not pass for it.
        Assert.False(PackedCode.FromStored("0000"u8).Matches(PackedCode.FromSent("000/"u8)));
        Assert.False(PackedCode.FromStored("0000"u8).Matches(PackedCode.FromSent("\0\0\0\0"u8)));
        Assert.False(PackedCode.FromStored("000000000000"u8).Matches(PackedCode.FromSent("0000000000000"u8)));
    }

    private static void RoundTrip(string code)
    {
        byte[] ascii = Encoding.ASCII.GetBytes(code);
        PackedCode stored = PackedCode.FromStored(ascii);
        Assert.True(stored.CanMatch);
        byte[] back = new byte[ascii.Length];
        stored.CopyTo(back);
        Assert.Equal(code, Encoding.ASCII.GetString(back));
        Assert.True(stored.Matches(PackedCode.FromSent(ascii)));
        Assert.True(stored.Matches(PackedCode.FromSent(Encoding.ASCII.GetBytes(code.ToLowerInvariant()))));
    }
}
