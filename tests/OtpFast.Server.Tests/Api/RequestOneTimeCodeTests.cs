using System.Net;
using System.Text.RegularExpressions;

namespace OtpFast.Server.Tests.Api;

public sealed partial class RequestOneTimeCodeTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new() { ["MaxBodyBytes"] = "1024" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task WithoutTokenCreatorItAnswersAFourDigitCodeAndNoToken()
    {
        Answer a = await _app.RequestAsync(new { apiKey = _app.Key });
        Assert.Equal(HttpStatusCode.OK, a.Status);
        Assert.Equal("application/json", a.ContentType);
        Assert.Equal(200, a.Code);
        Assert.Equal("Success", a.String("status"));
        Assert.Matches("^[0-9]+$", a.String("transactionId"));
        Assert.Matches("^[0-9]{4}$", a.String("OTP"));
        Assert.False(a.Has("token"));
        Assert.False(a.Has("message"));
        Assert.StartsWith("{\"code\":200,\"status\":\"Success\",\"transactionId\":", a.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyAfterAUtf8ByteOrderMarkIsRead()
    {
        // docs/API.md: a byte order mark before the JSON is skipped (it used to answer 400: the
        // code compared the body with six other bytes).
        Answer answer = await _app.RequestAsync("\uFEFF{\"apiKey\":\"" + _app.Key + "\"}");
        Assert.Equal(200, answer.Code);
        Assert.Matches("^[0-9]{4}$", answer.String("OTP"));
    }

    [Fact]
    public async Task WithTokenCreatorItAnswersATokenThatVerifies()
    {
        Answer a = await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "a@example.com" });
        Assert.Equal(200, a.Code);
        Assert.Matches("^[A-Z2-7]{26}$", a.String("token"));
        Answer v = await _app.VerifyAsync(new { apiKey = _app.Key, token = a.String("token"), otp = a.String("OTP") });
        Assert.Equal("true", v.String("verify"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData("application/json; charset=utf-8")]
    public async Task JuvlonsPhpExampleBodyWorksWhateverTheContentType(string? contentType)
    {
        // As Juvlon's PHP sample posts it: every value a string, and a trailing comma.
        string body = $$"""
            {
                "apiKey":"{{_app.Key}}",
                "codeType":"alphanum",
                "codeLength":"6",
                "tokenCreator":"user@example.com",
                "expiry":"300",
                "reCreate":"true",
            }
            """;
        Answer a = await _app.RequestAsync(body, contentType);
        Assert.Equal(200, a.Code);
        Assert.Matches("^[0-9A-Z]{6}$", a.String("OTP"));
        Assert.Matches("^[A-Z2-7]{26}$", a.String("token"));
    }

    [Theory]
    [InlineData("num", "^[0-9]{8}$")]
    [InlineData("ALPHA", "^[A-Z]{8}$")]
    [InlineData("AlphaNum", "^[0-9A-Z]{8}$")]
    public async Task CodeTypesAreCaseInsensitive(string codeType, string pattern)
    {
        Answer a = await _app.RequestAsync(new { apiKey = _app.Key, codeType, codeLength = 8 });
        Assert.Equal(200, a.Code);
        Assert.Matches(pattern, a.String("OTP"));
    }

    [Theory]
    [InlineData("\"codeLength\":\"12\"", 12)]
    [InlineData("\"codeLength\":12", 12)]
    [InlineData("\"CODELENGTH\":5", 5)]
    [InlineData("\"codeLength\":5,\"codeLength\":7", 7)]
    [InlineData("\"codeLength\":null", 4)]
    [InlineData("\"codelength\":9 /* comments are skipped */", 9)]
    public async Task ValuesMayBeStringsOrNativeAndNamesAnyCaseAndTheLastDuplicateWins(string fragment, int length)
    {
        Answer a = await _app.RequestAsync($"{{\"APIKEY\":\"{_app.Key}\",{fragment}}}");
        Assert.Equal(200, a.Code);
        Assert.Equal(length, a.String("OTP").Length);
    }

    [Theory]
    [InlineData("\"reCreate\":false")]
    [InlineData("\"reCreate\":\"FALSE\"")]
    [InlineData("\"reCreate\":\"false\"")]
    public async Task ReCreateFalseInAnyFormReturnsTheLivePair(string reCreate)
    {
        Answer first = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"same\",{reCreate}}}");
        Answer second = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"same\",{reCreate}}}");
        Assert.Equal(first.String("token"), second.String("token"));
        Assert.Equal(first.String("OTP"), second.String("OTP"));
        Assert.NotEqual(first.String("transactionId"), second.String("transactionId"));
    }

    // The store keys a pair by account + tokenCreator alone: a repeated request with reCreate
    // false gets the live pair as it was issued, whatever codeType, codeLength or expiry it asks.
    [Fact]
    public async Task ReCreateFalseReturnsTheLivePairUnchangedWhateverTypeLengthOrExpiryItAsks()
    {
        Answer first = await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "shape", codeType = "num", codeLength = 6, expiry = 60 });
        Answer second = await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "shape", codeType = "alpha", codeLength = 10, expiry = 3600 });
        Assert.Equal(200, second.Code);
        Assert.Equal(first.String("token"), second.String("token"));
        Assert.Matches("^[0-9]{6}$", second.String("OTP"));
        Assert.Equal(first.String("OTP"), second.String("OTP"));

        // Nor is its deadline moved: it expires 60 s after the first request.
        _app.Time.Advance(TimeSpan.FromSeconds(60));
        Answer v = await _app.VerifyAsync(new { apiKey = _app.Key, token = first.String("token"), otp = first.String("OTP") });
        Assert.Equal("expired", v.String("reason"));
    }

    [Theory]
    [InlineData("\"reCreate\":true")]
    [InlineData("\"reCreate\":\"True\"")]
    public async Task ReCreateTrueInAnyFormMakesANewPairAndRetiresTheOld(string reCreate)
    {
        Answer first = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"renew\"}}");
        Answer second = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"renew\",{reCreate}}}");
        Assert.NotEqual(first.String("token"), second.String("token"));
        Answer old = await _app.VerifyAsync(new { apiKey = _app.Key, token = first.String("token"), otp = first.String("OTP") });
        Assert.Equal("false", old.String("verify"));
        Assert.Equal("unknown", old.String("reason"));
    }

    [Fact]
    public async Task AnEmptyTokenCreatorMeansNoneAndStoresNothing()
    {
        Answer a = await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "" });
        Assert.Equal(200, a.Code);
        Assert.False(a.Has("token"));
    }

    [Fact]
    public async Task ATokenCreatorOf256CharactersIsAcceptedAnd257IsMalformed()
    {
        Assert.Equal(200, (await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"{new string('é', 256)}\"}}")).Code);
        Assert.Equal(400, (await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = new string('x', 257) })).Code);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("2592000")]
    [InlineData("\"2592000\"")]
    public async Task ExpiryFromZeroToTheMaximumIsAccepted(string expiry)
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"e{expiry.Trim('"')}\",\"expiry\":{expiry}}}");
        Assert.Equal(200, a.Code);
    }

    // ---- every error row of the request table ----

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"apiKey\"")]
    [InlineData("{\"apiKey\":\"KEY\"")]
    [InlineData("{\"apiKey\":\"KEY\"} trailing")]
    [InlineData("{\"apiKey\":\"KEY\"}{}")]
    [InlineData("{\"apiKey\":{\"nested\":1}}")]
    [InlineData("{\"apiKey\":\"KEY\",\"codeType\":[\"num\"]}")]
    [InlineData("{\"apiKey\":\"KEY\",\"codeLength\":{}}")]
    [InlineData("{\"apiKey\":\"KEY\",\"tokenCreator\":[1]}")]
    [InlineData("{\"apiKey\":\"KEY\",\"expiry\":[]}")]
    [InlineData("{\"apiKey\":\"KEY\",\"reCreate\":{}}")]
    [InlineData("{'apiKey':'KEY'}")]
    public async Task Code400ForAnythingButAJsonObjectOrAStructuredValue(string body)
    {
        Answer a = await _app.RequestAsync(body.Replace("KEY", _app.Key, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, a.Status);
        Assert.Equal(400, a.Code);
        Assert.Equal("Error", a.String("status"));
        Assert.Equal("Malformed Request", a.String("message"));
        Assert.Matches("^[0-9]+$", a.String("transactionId"));
    }

    [Fact]
    public async Task UnknownPropertiesAreIgnoredEvenWhenStructured()
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"extra\":{{\"a\":[1,2,{{}}]}},\"more\":[null]}}");
        Assert.Equal(200, a.Code);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Code401ForAnyMethodButPost(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/v4/requestOneTimeCode");
        using HttpResponseMessage response = await _app.Client.SendAsync(request);
        Answer a = await Answer.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, a.Status);
        Assert.Equal(401, a.Code);
        Assert.Equal("Invalid Method", a.String("message"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"apiKey\":\"\"}")]
    [InlineData("{\"apiKey\":null}")]
    [InlineData("{\"codeType\":\"num\"}")]
    public async Task Code402ForAMissingOrEmptyKey(string body)
    {
        Answer a = await _app.RequestAsync(body);
        Assert.Equal(402, a.Code);
        Assert.Equal("Unauthorized/Empty Key", a.String("message"));
    }

    [Theory]
    [InlineData("{\"apiKey\":\"otpf_nosuchkeynosuchkeynosuchkeynosuc\"}")]
    [InlineData("{\"apiKey\":12345}")]
    [InlineData("{\"apiKey\":true}")]
    public async Task Code403ForAnUnknownKey(string body)
    {
        Answer a = await _app.RequestAsync(body);
        Assert.Equal(403, a.Code);
        Assert.Equal("Unauthorized/Invalid Key", a.String("message"));
    }

    [Fact]
    public async Task Code403ForAKeyThatDiffersOnlyInCase()
    {
        Assert.Equal(403, (await _app.RequestAsync(new { apiKey = _app.Key.ToUpperInvariant() })).Code);
    }

    [Theory]
    [InlineData("blocked", 404, "Account Sending Blocked")]
    [InlineData("expired", 405, "Your account is expired")]
    [InlineData("deactivated", 448, "Your account is Deactivated")]
    public async Task AccountStatesAnswerTheirCodes(string account, int code, string message)
    {
        Answer a = await _app.RequestAsync(new { apiKey = _app.Keys[account], tokenCreator = "x" });
        Assert.Equal(code, a.Code);
        Assert.Equal(message, a.String("message"));
    }

    [Fact]
    public async Task Code413ForABodyOverTheLimitWithContentLength()
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"pad\":\"{new string('x', 2000)}\"}}");
        Assert.Equal(413, a.Code);
        Assert.Equal("Request Too Large", a.String("message"));
        Assert.Equal(200, (await _app.RequestAsync(new { apiKey = _app.Key })).Code);
    }

    [Fact]
    public async Task Code413ForAChunkedBodyOverTheLimit()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"{{\"apiKey\":\"{_app.Key}\",\"pad\":\"{new string('x', 100_000)}\"}}"));
        using var content = new StreamContent(stream);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v4/requestOneTimeCode") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage response = await _app.Client.SendAsync(request);
        Assert.Equal(413, (await Answer.ReadAsync(response)).Code);
    }

    [Theory]
    [InlineData("\"numeric\"")]
    [InlineData("\" num\"")]
    [InlineData("\"num \"")]
    [InlineData("\"\"")]
    [InlineData("5")]
    [InlineData("true")]
    public async Task Code480ForAnyOtherCodeType(string codeType)
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"codeType\":{codeType}}}");
        Assert.Equal(480, a.Code);
        Assert.Equal("Invalid Code Type", a.String("message"));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("13")]
    [InlineData("-4")]
    [InlineData("4.0")]
    [InlineData("4e0")]
    [InlineData("\"4.5\"")]
    [InlineData("\" 4\"")]
    [InlineData("\"4 \"")]
    [InlineData("\"+4\"")]
    [InlineData("\"\"")]
    [InlineData("\"four\"")]
    [InlineData("99999999999999999999999")]
    [InlineData("true")]
    public async Task Code481ForALengthThatIsNotAnIntegerFrom4To12(string codeLength)
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"codeLength\":{codeLength}}}");
        Assert.Equal(481, a.Code);
        Assert.Equal("Invalid Code Length", a.String("message"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2592001")]
    [InlineData("1.5")]
    [InlineData("\"300s\"")]
    [InlineData("false")]
    public async Task Code482ForAnExpiryOutside0ToTheMaximum(string expiry)
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"x\",\"expiry\":{expiry}}}");
        Assert.Equal(482, a.Code);
        Assert.Equal("Invalid Expiry", a.String("message"));
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("\" true\"")]
    [InlineData("\"\"")]
    public async Task Code483ForAReCreateThatIsNotABoolean(string reCreate)
    {
        Answer a = await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",\"tokenCreator\":\"x\",\"reCreate\":{reCreate}}}");
        Assert.Equal(483, a.Code);
        Assert.Equal("Invalid Recreate Option", a.String("message"));
    }

    // ---- the check order: method, size, shape, key, state, codeType, codeLength, expiry, reCreate ----

    [Fact]
    public async Task MethodIsCheckedBeforeSize()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v4/requestOneTimeCode") { Content = new StringContent(new string('x', 5000)) };
        using HttpResponseMessage response = await _app.Client.SendAsync(request);
        Assert.Equal(401, (await Answer.ReadAsync(response)).Code);
    }

    [Fact]
    public async Task SizeIsCheckedBeforeShape() =>
        Assert.Equal(413, (await _app.RequestAsync(new string('[', 3000))).Code);

    [Fact]
    public async Task ShapeIsCheckedBeforeTheKey() =>
        Assert.Equal(400, (await _app.RequestAsync("{\"codeType\":[]}")).Code);

    [Fact]
    public async Task TheKeyIsCheckedBeforeTheAccountStateAndTheFields() =>
        Assert.Equal(403, (await _app.RequestAsync("{\"apiKey\":\"nope\",\"codeType\":\"x\",\"codeLength\":1}")).Code);

    [Theory]
    [InlineData("blocked", 404)]
    [InlineData("expired", 405)]
    [InlineData("deactivated", 448)]
    public async Task TheAccountStateIsCheckedBeforeTheFields(string account, int code) =>
        Assert.Equal(code, (await _app.RequestAsync($"{{\"apiKey\":\"{_app.Keys[account]}\",\"codeType\":\"x\",\"codeLength\":1,\"expiry\":-1,\"reCreate\":2}}")).Code);

    [Theory]
    [InlineData("\"codeType\":\"x\",\"codeLength\":1,\"expiry\":-1,\"reCreate\":2", 480)]
    [InlineData("\"codeLength\":1,\"expiry\":-1,\"reCreate\":2", 481)]
    [InlineData("\"expiry\":-1,\"reCreate\":2", 482)]
    [InlineData("\"reCreate\":2", 483)]
    public async Task FieldsAreCheckedInTableOrder(string fields, int code) =>
        Assert.Equal(code, (await _app.RequestAsync($"{{\"apiKey\":\"{_app.Key}\",{fields}}}")).Code);

    [Fact]
    public async Task EveryAnswerHasAUniqueTransactionId()
    {
        var ids = new HashSet<string>();
        for (int i = 0; i < 50; i++)
        {
            Answer a = i % 2 == 0 ? await _app.RequestAsync(new { apiKey = _app.Key }) : await _app.RequestAsync("bad");
            Assert.True(ids.Add(a.String("transactionId")));
            Assert.Matches(Digits(), a.String("transactionId"));
        }
    }

    [GeneratedRegex("^[0-9]{1,19}$")]
    private static partial Regex Digits();
}
