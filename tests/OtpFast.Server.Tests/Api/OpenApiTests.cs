using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using OtpFast.Core.Store;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

/// <summary>
/// Issue 11, item 7: docs/openapi.json is served as it is, names everything the server can
/// answer, and its schemas are strict enough to catch an answer that drifts (every answer the
/// API tests read is validated against it in <see cref="Answer.ReadAsync"/>).
/// </summary>
public sealed class OpenApiTests
{
    private static JsonObject Answers => OpenApiContract.Doc["components"]!["schemas"]!.AsObject();

    [Fact]
    public async Task OpenApiJsonServesTheDocumentKeptInTheRepository()
    {
        await using TestApp app = await TestApp.StartAsync();
        using HttpResponseMessage response = await app.Client.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        byte[] served = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "openapi.json")), served);
        Assert.Equal("3.1.0", JsonNode.Parse(served)!["openapi"]!.GetValue<string>());

        using HttpResponseMessage post = await app.Client.PostAsync("/openapi.json", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    // Client generators read it with an OpenAPI reader, not a JSON Schema validator: Microsoft's
    // (the one Kiota uses) must find it a clean 3.1 document, and must be able to fail on one.
    [Fact]
    public async Task TheDocumentIsCleanOpenApi31ForClientGenerators()
    {
        string text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi.json"));
        ReadResult read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.True(read.Diagnostic!.Errors.Count == 0, string.Join('\n', read.Diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.True(read.Diagnostic.Warnings.Count == 0, string.Join('\n', read.Diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Equal(["/healthz", "/metrics", "/openapi.json", "/readyz", "/v4/requestOneTimeCode", "/v4/verifyOneTimeCode"], read.Document!.Paths.Keys.Order(StringComparer.Ordinal));

        ReadResult broken = Microsoft.OpenApi.OpenApiDocument.Parse(text.Replace("\"responses\":", "\"answers\":", StringComparison.Ordinal), "json");
        Assert.NotEmpty(broken.Diagnostic!.Errors);
    }

    [Fact]
    public void TheDocumentNamesEveryCodeMessageAndReasonTheServerHas()
    {
        int[] documentedCodes = EnumOf("RequestOneTimeCodeAnswer", "code").Concat(EnumOf("VerifyOneTimeCodeAnswer", "code"))
            .Select(c => c.GetValue<int>()).Distinct().Order().ToArray();
        Assert.Equal(ApiCode.All.ToArray().Order().ToArray(), documentedCodes);

        string[] documentedMessages = EnumOf("RequestOneTimeCodeAnswer", "message").Concat(EnumOf("VerifyOneTimeCodeAnswer", "message"))
            .Select(m => m.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToArray();
        string[] messages = ApiCode.All.ToArray().Where(c => c != ApiCode.Accepted).Select(c => Encoding.UTF8.GetString(ApiCode.Message(c)))
            .Append(Encoding.UTF8.GetString(ApiCode.ResendCooldownMessage)).Append(Encoding.UTF8.GetString(ApiCode.FailedVerifiesSpentMessage))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(messages, documentedMessages);

        // Every outcome but Verified (verify "true") and Unavailable (code 503) is a reason.
        string[] reasons = Enum.GetValues<VerifyOutcome>().Where(o => o is not (VerifyOutcome.Verified or VerifyOutcome.Unavailable))
            .Select(o => Encoding.UTF8.GetString(ApiResponse.ReasonText(o))).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(reasons, EnumOf("VerifyOneTimeCodeAnswer", "reason").Select(r => r.GetValue<string>()).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void TheDocumentsOwnExamplesValidate()
    {
        int seen = 0;
        foreach (string path in new[] { "/v4/requestOneTimeCode", "/v4/verifyOneTimeCode" })
        {
            foreach ((string _, JsonNode? example) in OpenApiContract.Doc["paths"]![path]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["examples"]!.AsObject())
            {
                OpenApiContract.AssertPostAnswer(path, HttpStatusCode.OK, example!["value"]!.ToJsonString());
                seen++;
            }
        }

        Assert.Equal(4, seen);
    }

    // Each is one change away from a valid answer: the schemas must be strict enough to notice.
    [Theory]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","verify":"true","token":"MINRSVBGOKWKEI2MOU47TJ25XM","OTP":"630412"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","verify":"false","verified":true,"reason":"used","token":"MINRSVBGOKWKEI2MOU47TJ25XM"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","verify":"false","verified":false,"reason":"stale","token":"MINRSVBGOKWKEI2MOU47TJ25XM"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","verify":"false","verified":false,"reason":"used","token":"MINRSVBGOKWKEI2MOU47TJ25XM","OTP":"630412"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","verify":"true","verified":"true","token":"MINRSVBGOKWKEI2MOU47TJ25XM","OTP":"630412"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":429,"status":"Error","message":"Resend Cooldown Active","transactionId":"1"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":404,"status":"Error","message":"Account Sending Blocked","transactionId":"1"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":429,"status":"Error","message":"Malformed Request","transactionId":"1"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":403,"status":"Success","message":"Unauthorized/Invalid Key","transactionId":"1"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":403,"status":"Error","transactionId":"1"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","OTP":"630412","token":"MINRSVBGOKWKEI2MOU47TJ25XM","expiry":300}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","OTP":"630"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":1,"OTP":"630412"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","OTP":"630412","token":"MINRSVBGOKWKEI2MOU47TJ25XN"}""")]
    public void AnAnswerThatDriftsFromTheDocumentIsRejected(string schema, string json) =>
        Assert.False(OpenApiContract.Validate(schema, json).IsValid, json);

    // The check every API test relies on: Answer.ReadAsync validates answers to the API's paths (in any case).
    [Theory]
    [InlineData("/v4/verifyOneTimeCode", HttpStatusCode.OK, """{"code":200,"status":"Success","transactionId":"1","verify":"false","reason":"used","token":"MINRSVBGOKWKEI2MOU47TJ25XM"}""")]
    [InlineData("/V4/VERIFYONETIMECODE", HttpStatusCode.OK, """{"code":200,"status":"Success","transactionId":"1","verify":"false","reason":"used","token":"MINRSVBGOKWKEI2MOU47TJ25XM"}""")]
    [InlineData("/v4/requestOneTimeCode", HttpStatusCode.InternalServerError, "")]
    [InlineData("/v4/requestOneTimeCode", HttpStatusCode.RequestTimeout, """{"code":400,"status":"Error","message":"Malformed Request","transactionId":"1"}""")]
    public async Task ReadingAnAnswerFailsWhenItIsNotWhatTheDocumentAllows(string path, HttpStatusCode status, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri("http://localhost"), path));
        using var response = new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent(body) };
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => Answer.ReadAsync(response));
    }

    [Theory]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":429,"status":"Error","message":"Too Many Failed Verifies","transactionId":"1"}""")]
    [InlineData("RequestOneTimeCodeAnswer", """{"code":200,"status":"Success","transactionId":"1","OTP":"AB12"}""")]
    [InlineData("VerifyOneTimeCodeAnswer", """{"code":442,"status":"Error","message":"Invalid Token or OTP","transactionId":"1"}""")]
    public void ItsNearestValidAnswersPass(string schema, string json) => OpenApiContract.AssertValid(schema, json);

    private static IEnumerable<JsonNode> EnumOf(string schema, string property) =>
        Answers[schema]!["properties"]![property]!["enum"]!.AsArray().Select(n => n!);
}
