using System.Text;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Tokens;

public class OtpTokenTests
{
    [Fact]
    public void FormatsAs26Base32CharactersAndParsesBack()
    {
        for (int i = 0; i < 1000; i++)
        {
            OtpToken token = OtpToken.NewRandom();
            string text = token.ToString();
            Assert.Equal(26, text.Length);
            Assert.Matches("^[A-Z2-7]{26}$", text);
            Assert.True(OtpToken.TryParse(Encoding.ASCII.GetBytes(text), out OtpToken parsed));
            Assert.Equal(token, parsed);
        }
    }

    [Fact]
    public void KnownValuesFormatAsRfc4648Base32()
    {
        // 128 one-bits: 25 x "7" (11111), then the last 3 bits 111 followed by two zero bits = 11100 = "4".
        Assert.Equal(new string('7', 25) + "4", new OtpToken(UInt128.MaxValue).ToString());
        Assert.Equal(new string('A', 26), new OtpToken(UInt128.Zero).ToString());
        Assert.Equal(new string('A', 25) + "E", new OtpToken(UInt128.One).ToString());
    }

    [Fact]
    public void ParsingIsCaseInsensitive()
    {
        OtpToken token = OtpToken.NewRandom();
        Assert.True(OtpToken.TryParse(token.ToString().ToLowerInvariant().AsSpan(), out OtpToken parsed));
        Assert.Equal(token, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAA1")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA8A")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAB")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAA7")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA A")]
    [InlineData("ÄAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void RejectsAnythingTheServerCouldNeverIssue(string text)
    {
        Assert.False(OtpToken.TryParse(text.AsSpan(), out _));
        Assert.False(OtpToken.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void FormattingIntoASpanAllocatesNothing()
    {
        OtpToken token = OtpToken.NewRandom();
        Span<byte> bytes = stackalloc byte[OtpToken.Length];
        Span<char> chars = stackalloc char[OtpToken.Length];
        token.Format(bytes);
        token.Format(chars);
        _ = OtpToken.NewRandom();

        // Three tries, the best counts: the runtime may charge this thread for work of its own
        // now and then (seen once in CI), while formatting that allocated would do so every time.
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                OtpToken.NewRandom().Format(bytes);
                token.Format(chars);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }
}
