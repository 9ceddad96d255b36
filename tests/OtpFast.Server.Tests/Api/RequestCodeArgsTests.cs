using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

/// <summary>A requestOneTimeCode body parsed into its args, without HTTP.</summary>
public sealed class RequestCodeArgsTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("""{"codeType":null,"codeLength":null,"expiry":null,"reCreate":null,"tokenCreator":null,"apiKey":null}""")]
    public void AbsentAndNullTakeEveryDefault(string body)
    {
        RequestCodeArgs args = Parse(body, out _, out bool ok);
        Assert.True(ok);
        Assert.True(args.ApiKey.IsEmpty);
        Assert.True(args.TokenCreator.IsEmpty);
        Assert.True(args.TryGetCodeType(out CodeType codeType));
        Assert.Equal(CodeType.Num, codeType);
        Assert.True(args.TryGetCodeLength(out int codeLength));
        Assert.Equal(CodeAlphabet.MinLength, codeLength);
        Assert.True(args.TryGetExpiry(300, out int expiry));
        Assert.Equal(0, expiry);
        Assert.True(args.TryGetReCreate(out bool reCreate));
        Assert.False(reCreate);
    }

    // API.md: an empty string is none for apiKey and tokenCreator, but invalid for the others.
    [Fact]
    public void AnEmptyStringIsNoneForKeyAndCreatorButInvalidElsewhere()
    {
        RequestCodeArgs args = Parse("""{"apiKey":"","tokenCreator":"","codeType":"","codeLength":"","expiry":"","reCreate":""}""", out _, out bool ok);
        Assert.True(ok);
        Assert.True(args.ApiKey.IsEmpty);
        Assert.True(args.TokenCreator.IsEmpty);
        Assert.False(args.TryGetCodeType(out _));
        Assert.False(args.TryGetCodeLength(out _));
        Assert.False(args.TryGetExpiry(300, out _));
        Assert.False(args.TryGetReCreate(out _));
    }

    [Fact]
    public void ValuesAsStringsOrNativeTypesMeanTheSame()
    {
        RequestCodeArgs strings = Parse("""{"codeType":"ALPHA","codeLength":"6","expiry":"60","reCreate":"TRUE"}""", out _, out bool ok);
        Assert.True(ok);
        RequestCodeArgs natives = Parse("""{"codeType":"alpha","codeLength":6,"expiry":60,"reCreate":true}""", out _, out ok);
        Assert.True(ok);
        AssertShape(strings);
        AssertShape(natives);

        static void AssertShape(RequestCodeArgs args)
        {
            Assert.True(args.TryGetCodeType(out CodeType codeType));
            Assert.Equal(CodeType.Alpha, codeType);
            Assert.True(args.TryGetCodeLength(out int codeLength));
            Assert.Equal(6, codeLength);
            Assert.True(args.TryGetExpiry(60, out int expiry));
            Assert.Equal(60, expiry);
            Assert.True(args.TryGetReCreate(out bool reCreate));
            Assert.True(reCreate);
        }
    }

    [Theory]
    [InlineData("\"codeType\":1")]
    [InlineData("\"codeType\":true")]
    [InlineData("\"codeType\":\"hex\"")]
    [InlineData("\"codeLength\":3")]
    [InlineData("\"codeLength\":13")]
    [InlineData("\"codeLength\":\"4.0\"")]
    [InlineData("\"codeLength\":99999999999")]
    [InlineData("\"expiry\":61")]
    [InlineData("\"expiry\":-1")]
    [InlineData("\"reCreate\":1")]
    [InlineData("\"reCreate\":\"yes\"")]
    public void AnInvalidValueFailsOnlyItsOwnCheck(string property)
    {
        RequestCodeArgs args = Parse("{" + property + "}", out _, out bool ok);
        Assert.True(ok, "the body itself is well formed: the checks come after the key's");
        string field = property.Split('"')[1];
        Assert.Equal(field != "codeType", args.TryGetCodeType(out _));
        Assert.Equal(field != "codeLength", args.TryGetCodeLength(out _));
        Assert.Equal(field != "expiry", args.TryGetExpiry(60, out _));
        Assert.Equal(field != "reCreate", args.TryGetReCreate(out _));
    }

    [Theory]
    [InlineData("""{"apiKey":{}}""")]
    [InlineData("""{"codeType":[]}""")]
    [InlineData("""{"codeLength":{"n":4}}""")]
    [InlineData("""{"tokenCreator":["a"]}""")]
    [InlineData("""{"expiry":[60]}""")]
    [InlineData("""{"reCreate":{}}""")]
    public void AnObjectOrArrayInAFieldThisCallReadsIsMalformed(string body)
    {
        Parse(body, out _, out bool ok);
        Assert.False(ok);
    }

    [Theory]
    [InlineData("""{"token":{"a":1},"otp":[1],"other":[]}""")]
    [InlineData("""{"OTP":{}}""")]
    public void AnObjectOrArrayInAFieldOnlyVerifyReadsIsIgnored(string body)
    {
        Parse(body, out _, out bool ok);
        Assert.True(ok);
    }

    [Fact]
    public void EscapedAndPlainStringsGiveTheSameTextAndOnlyAPlainOneIsReadInPlace()
    {
        RequestCodeArgs plain = Parse("""{"apiKey":"key-1","tokenCreator":"alice@example.com"}""", out byte[] plainBody, out bool ok);
        Assert.True(ok);
        RequestCodeArgs escaped = Parse("""{"apiKey":"key\u002D1","tokenCreator":"alice\u0040example.com"}""", out byte[] escapedBody, out ok);
        Assert.True(ok);

        Assert.Equal("key-1", Encoding.UTF8.GetString(plain.ApiKey));
        Assert.Equal("key-1", Encoding.UTF8.GetString(escaped.ApiKey));
        Assert.Equal("alice@example.com", Encoding.UTF8.GetString(plain.TokenCreator));
        Assert.Equal("alice@example.com", Encoding.UTF8.GetString(escaped.TokenCreator));

        // A value without escapes is the body's own bytes (no copy); an escaped one was unescaped elsewhere.
        Assert.True(plainBody.AsSpan().Overlaps(plain.ApiKey));
        Assert.True(plainBody.AsSpan().Overlaps(plain.TokenCreator));
        Assert.False(escapedBody.AsSpan().Overlaps(escaped.ApiKey));
        Assert.False(escapedBody.AsSpan().Overlaps(escaped.TokenCreator));
    }

    [Theory]
    [InlineData("123", "123")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("1.5e3", "1.5e3")]
    public void ANumberOrBooleanKeyOrCreatorIsItsLiteralText(string json, string text)
    {
        RequestCodeArgs args = Parse("{\"apiKey\":" + json + ",\"tokenCreator\":" + json + "}", out _, out bool ok);
        Assert.True(ok);
        Assert.Equal(text, Encoding.UTF8.GetString(args.ApiKey));
        Assert.Equal(text, Encoding.UTF8.GetString(args.TokenCreator));
    }

    [Theory]
    [InlineData("a", 256, true)]
    [InlineData("a", 257, false)]
    [InlineData("\u00e9", 256, true)]
    [InlineData("\u00e9", 257, false)]
    public void TokenCreatorIsLimitedInCharactersNotBytes(string character, int count, bool valid)
    {
        string creator = string.Concat(Enumerable.Repeat(character, count));
        RequestCodeArgs args = Parse("{\"tokenCreator\":\"" + creator + "\"}", out _, out bool ok);
        Assert.Equal(valid, ok);
        if (valid)
        {
            Assert.Equal(creator, Encoding.UTF8.GetString(args.TokenCreator));
        }
    }

    [Fact]
    public void AByteOrderMarkIsSkippedAndValuesStillReadInPlace()
    {
        RequestCodeArgs args = Parse("\uFEFF{\"apiKey\":\"k\",\"codeLength\":8,}", out byte[] body, out bool ok);
        Assert.True(ok);
        Assert.Equal("k", Encoding.UTF8.GetString(args.ApiKey));
        Assert.True(body.AsSpan().Overlaps(args.ApiKey));
        Assert.True(args.TryGetCodeLength(out int codeLength));
        Assert.Equal(8, codeLength);
    }

    internal static RequestCodeArgs Parse(string text, out byte[] body, out bool ok)
    {
        body = Encoding.UTF8.GetBytes(text);
        ok = RequestCodeArgs.TryParse(body, new byte[Math.Max(16, body.Length)], out RequestCodeArgs args);
        return args;
    }
}
