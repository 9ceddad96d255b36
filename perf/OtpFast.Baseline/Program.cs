using System.Text.Json.Serialization;

// The control of every load comparison: what a slim-builder minimal API costs when it does
// nothing but answer a constant JSON body of the same shape as OtpFast's answers.
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJson.Default));
WebApplication app = builder.Build();

var issued = new Issued(200, "Success", "120143828739948544", "630412", "MINRSVBGOKWKEI2MOU47TJ25XM");
var verified = new Verified(200, "Success", "120143829486534656", "true", "MINRSVBGOKWKEI2MOU47TJ25XM", "630412");
app.MapPost("/v4/requestOneTimeCode", () => issued);
app.MapPost("/v4/verifyOneTimeCode", () => verified);
app.MapGet("/healthz", () => "ok");

// Managed bytes allocated so far: lets a load run compare allocations per request with OtpFast's /metrics.
app.MapGet("/allocated", () => GC.GetTotalAllocatedBytes().ToString(System.Globalization.CultureInfo.InvariantCulture));
app.Run();

// Property names exactly as OtpFast writes them (the web JSON defaults would camel-case "OTP").
internal sealed record Issued(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("transactionId")] string TransactionId,
    [property: JsonPropertyName("OTP")] string Otp,
    [property: JsonPropertyName("token")] string Token);

internal sealed record Verified(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("transactionId")] string TransactionId,
    [property: JsonPropertyName("verify")] string Verify,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("OTP")] string Otp);

[JsonSerializable(typeof(Issued))]
[JsonSerializable(typeof(Verified))]
internal sealed partial class BaselineJson : JsonSerializerContext;
