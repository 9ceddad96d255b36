using System.Text;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

/// <summary>The request body reader on its own (the API tests reach it only through HTTP).</summary>
public sealed class RequestFieldsTests
{
    [Fact]
    public void KnownFieldsAreFoundWhateverTheirCaseUnknownOnesAreIgnoredAndTheLastDuplicateWins()
    {
        RequestFields fields = Parse("""{"APIKEY":"k1","tokencreator":"alice","other":{"deep":[1,2]},"apiKey":"k2"}""", out bool ok);
        Assert.True(ok);
        Assert.Equal("k2", Text(fields, ApiField.ApiKey));
        Assert.Equal("alice", Text(fields, ApiField.TokenCreator));
        Assert.Equal(ValueKind.Absent, fields[ApiField.Otp].Kind);
        Assert.False(fields.HasStructuredValue(ApiFieldSet.Of(ApiField.ApiKey, ApiField.CodeType, ApiField.CodeLength, ApiField.TokenCreator, ApiField.Expiry, ApiField.ReCreate, ApiField.Token, ApiField.Otp)));
    }

    [Fact]
    public void StringsAreUnescapedAndNullIsNotAbsent()
    {
        RequestFields fields = Parse("""{"apiKey":"a\u0042c\n","otp":null,"token":""}""", out bool ok);
        Assert.True(ok);
        Assert.Equal("aBc\n", Text(fields, ApiField.ApiKey));
        Assert.Equal(ValueKind.Null, fields[ApiField.Otp].Kind);
        Assert.True(fields[ApiField.Otp].IsAbsent);
        Assert.True(fields[ApiField.Otp].Text.IsEmpty);
        Assert.Equal(ValueKind.String, fields[ApiField.Token].Kind);
        Assert.False(fields[ApiField.Token].IsAbsent);
        Assert.True(fields[ApiField.Token].Text.IsEmpty);
        Assert.True(fields[ApiField.CodeType].IsAbsent);
        Assert.True(fields[ApiField.CodeType].Text.IsEmpty);
    }

    [Fact]
    public void AByteOrderMarkTrailingCommasAndCommentsAreAccepted()
    {
        RequestFields fields = Parse("\uFEFF{ /* a comment */ \"expiry\": 60, // another\n \"reCreate\": true, }", out bool ok);
        Assert.True(ok, "parse");
        Assert.True(fields[ApiField.Expiry].TryGetInteger(out long expiry), "expiry");
        Assert.Equal(60, expiry);
        Assert.True(fields[ApiField.ReCreate].TryGetBoolean(out bool reCreate), "reCreate");
        Assert.True(reCreate);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("{\"apiKey\":\"k\"")]
    [InlineData("{\"apiKey\":}")]
    [InlineData("{apiKey:\"k\"}")]
    [InlineData("{\"apiKey\":\"\\uD800\"}")]
    [InlineData("{\"apiKey\":\"k\"} {}")]
    public void AnythingButOneJsonObjectIsRefused(string body)
    {
        Parse(body, out bool ok);
        Assert.False(ok);
    }

    [Fact]
    public void NestingBeyondTheLimitIsRefusedAndAnObjectOrArrayInAKnownFieldIsStructured()
    {
        string deep = "{\"x\":" + new string('[', RequestFields.MaxDepth) + new string(']', RequestFields.MaxDepth) + "}";
        Parse(deep, out bool ok);
        Assert.False(ok);

        RequestFields fields = Parse("""{"token":{"a":1},"otp":[1]}""", out ok);
        Assert.True(ok);
        Assert.Equal(ValueKind.Structured, fields[ApiField.Token].Kind);
        Assert.True(fields.HasStructuredValue(ApiFieldSet.Of(ApiField.Token, ApiField.Otp)));
        Assert.False(fields.HasStructuredValue(ApiFieldSet.Of(ApiField.ApiKey, ApiField.CodeType, ApiField.CodeLength, ApiField.TokenCreator, ApiField.Expiry, ApiField.ReCreate)));
    }

    [Theory]
    [InlineData("300", true, 300)]
    [InlineData("\"300\"", true, 300)]
    [InlineData("0", true, 0)]
    [InlineData("999999999999999999", true, 999999999999999999)]
    [InlineData("\"9999999999999999999\"", false, 0)]
    [InlineData("-1", false, 0)]
    [InlineData("1.5", false, 0)]
    [InlineData("1e3", false, 0)]
    [InlineData("\" 30\"", false, 0)]
    [InlineData("\"\"", false, 0)]
    [InlineData("true", false, 0)]
    [InlineData("null", false, 0)]
    public void IntegersAreWholeNonNegativeNumbersOrDigitStrings(string json, bool valid, long expected)
    {
        RequestFields fields = Parse("{\"expiry\":" + json + "}", out bool ok);
        Assert.True(ok);
        Assert.Equal(valid, fields[ApiField.Expiry].TryGetInteger(out long value));
        Assert.Equal(expected, valid ? value : 0);
    }

    [Theory]
    [InlineData("true", true, true)]
    [InlineData("false", true, false)]
    [InlineData("\"TRUE\"", true, true)]
    [InlineData("\"False\"", true, false)]
    [InlineData("1", false, false)]
    [InlineData("\"yes\"", false, false)]
    [InlineData("null", false, false)]
    public void BooleansAreNativeOrTheirNamesInAnyCase(string json, bool valid, bool expected)
    {
        RequestFields fields = Parse("{\"reCreate\":" + json + "}", out bool ok);
        Assert.True(ok);
        Assert.Equal(valid, fields[ApiField.ReCreate].TryGetBoolean(out bool value));
        Assert.Equal(expected, valid && value);
    }

    private static RequestFields Parse(string body, out bool ok)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        ok = RequestFields.TryParse(bytes, new byte[Math.Max(16, bytes.Length)], out RequestFields fields);
        return fields;
    }

    private static string Text(in RequestFields fields, ApiField field) => Encoding.UTF8.GetString(fields[field].Text);
}
