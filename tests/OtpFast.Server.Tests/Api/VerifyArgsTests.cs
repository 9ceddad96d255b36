using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Tokens;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

/// <summary>A verifyOneTimeCode body parsed into its args, without HTTP.</summary>
public sealed class VerifyArgsTests
{
    private static readonly string Token = FormatToken(OtpToken.NewRandom());

    [Fact]
    public void TokenAndOtpAreReadWhateverTheirCase()
    {
        VerifyArgs args = Parse("{\"APIKEY\":\"k\",\"Token\":\"" + Token.ToLowerInvariant() + "\",\"OTP\":\"a1b2c3\"}", out _, out bool ok);
        Assert.True(ok);
        Assert.Equal("k", Encoding.UTF8.GetString(args.ApiKey));
        Assert.True(args.TryGetToken(out OtpToken token));
        Assert.Equal(Token, FormatToken(token));
        Assert.True(args.TryGetOtp(out OtpCode otp));
        Assert.Equal(new OtpCode("a1b2c3"u8), otp);
    }

    // API.md: an otp may come as a JSON number, read by its digits.
    [Fact]
    public void AnOtpGivenAsANumberIsTheSameCodeAsItsDigits()
    {
        VerifyArgs number = Parse("{\"token\":\"" + Token + "\",\"otp\":630412}", out _, out bool ok);
        Assert.True(ok);
        Assert.True(number.TryGetOtp(out OtpCode fromNumber));
        Assert.Equal(new OtpCode("630412"u8), fromNumber);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("true")]
    [InlineData("\"123\"")]
    [InlineData("\"1234567890123\"")]
    [InlineData("\"12 34\"")]
    [InlineData("-1234")]
    [InlineData("1234.5")]
    public void AnOtpNotOfAPlausibleFormIsRefused(string json)
    {
        VerifyArgs args = Parse("{\"token\":\"" + Token + "\",\"otp\":" + json + "}", out _, out bool ok);
        Assert.True(ok);
        Assert.True(args.TryGetToken(out _));
        Assert.False(args.TryGetOtp(out _));
    }

    [Theory]
    [InlineData("{\"otp\":\"1234\"}")]
    [InlineData("{\"token\":null,\"otp\":\"1234\"}")]
    [InlineData("{\"token\":\"\",\"otp\":\"1234\"}")]
    [InlineData("{\"token\":12345678901234567890123456,\"otp\":\"1234\"}")]
    [InlineData("{\"token\":\"ABC\",\"otp\":\"1234\"}")]
    public void ATokenMissingOrNotOfAnIssuedFormIsRefused(string body)
    {
        VerifyArgs args = Parse(body, out _, out bool ok);
        Assert.True(ok);
        Assert.False(args.TryGetToken(out _));
        Assert.True(args.TryGetOtp(out _));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"apiKey\":null}")]
    [InlineData("{\"apiKey\":\"\"}")]
    public void AKeyLeftOutNullOrEmptyIsEmpty(string body)
    {
        VerifyArgs args = Parse(body, out _, out bool ok);
        Assert.True(ok);
        Assert.True(args.ApiKey.IsEmpty);
    }

    [Theory]
    [InlineData("""{"apiKey":{}}""", false)]
    [InlineData("""{"token":["x"]}""", false)]
    [InlineData("""{"otp":{"v":1}}""", false)]
    [InlineData("""{"codeType":{},"codeLength":[],"tokenCreator":{},"expiry":[],"reCreate":{}}""", true)]
    public void OnlyAnObjectOrArrayInAFieldThisCallReadsIsMalformed(string body, bool ok)
    {
        Parse(body, out _, out bool parsed);
        Assert.Equal(ok, parsed);
    }

    [Fact]
    public void EscapedAndPlainStringsGiveTheSameValues()
    {
        string escapedToken = "\\u00" + ((int)Token[0]).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + Token[1..];
        VerifyArgs plain = Parse("{\"apiKey\":\"k/1\",\"token\":\"" + Token + "\",\"otp\":\"4821\"}", out byte[] plainBody, out bool ok);
        Assert.True(ok);
        VerifyArgs escaped = Parse("{\"apiKey\":\"k\\/1\",\"token\":\"" + escapedToken + "\",\"otp\":\"\\u0034821\"}", out byte[] escapedBody, out ok);
        Assert.True(ok);

        Assert.Equal("k/1", Encoding.UTF8.GetString(plain.ApiKey));
        Assert.Equal("k/1", Encoding.UTF8.GetString(escaped.ApiKey));
        Assert.True(plainBody.AsSpan().Overlaps(plain.ApiKey));
        Assert.False(escapedBody.AsSpan().Overlaps(escaped.ApiKey));
        Assert.True(plain.TryGetToken(out OtpToken plainToken));
        Assert.True(escaped.TryGetToken(out OtpToken escapedToken2));
        Assert.Equal(plainToken, escapedToken2);
        Assert.True(plain.TryGetOtp(out OtpCode plainOtp));
        Assert.True(escaped.TryGetOtp(out OtpCode escapedOtp));
        Assert.Equal(new OtpCode("4821"u8), plainOtp);
        Assert.Equal(plainOtp, escapedOtp);
    }

    [Fact]
    public void AByteOrderMarkIsSkipped()
    {
        VerifyArgs args = Parse("\uFEFF{\"apiKey\":\"k\",\"otp\":1234}", out _, out bool ok);
        Assert.True(ok);
        Assert.Equal("k", Encoding.UTF8.GetString(args.ApiKey));
        Assert.True(args.TryGetOtp(out OtpCode otp));
        Assert.Equal(new OtpCode("1234"u8), otp);
    }

    private static VerifyArgs Parse(string text, out byte[] body, out bool ok)
    {
        body = Encoding.UTF8.GetBytes(text);
        ok = VerifyArgs.TryParse(body, new byte[Math.Max(16, body.Length)], out VerifyArgs args);
        return args;
    }

    private static string FormatToken(OtpToken token)
    {
        Span<byte> text = stackalloc byte[OtpToken.Length];
        token.Format(text);
        return Encoding.ASCII.GetString(text);
    }
}
