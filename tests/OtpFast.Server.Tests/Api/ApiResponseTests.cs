using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpFast.Core.Store;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

/// <summary>Success answers are put together from bytes: they must be exactly what a JSON writer writes.</summary>
public sealed class ApiResponseTests
{
    private const string TransactionId = "120143828739948544";
    private const string Token = "MINRSVBGOKWKEI2MOU47TJ25XM";

    [Theory]
    [InlineData("630412", true)]
    [InlineData("ABCDEFGHIJ", true)]
    [InlineData("0123456789ABCDEFGHIJKLMNOPQRSTUV", false)]
    public async Task AnIssuedAnswerIsWhatAJsonWriterWrites(string otp, bool withToken)
    {
        string expected = Json(w =>
        {
            w.WriteNumber("code", 200);
            w.WriteString("status", "Success");
            w.WriteString("transactionId", TransactionId);
            w.WriteString("OTP", otp);
            if (withToken)
            {
                w.WriteString("token", Token);
            }
        });

        (string body, HttpResponse response) = await WriteAsync(r => ApiResponse.WriteIssued(r, Ascii(TransactionId), Ascii(otp), withToken ? Ascii(Token) : default));
        Assert.Equal(expected, body);
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), response.ContentLength);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(200, response.StatusCode);
    }

    [Theory]
    [InlineData(VerifyOutcome.Verified)]
    [InlineData(VerifyOutcome.Mismatch)]
    [InlineData(VerifyOutcome.Expired)]
    [InlineData(VerifyOutcome.Used)]
    [InlineData(VerifyOutcome.Locked)]
    [InlineData(VerifyOutcome.Unknown)]
    public async Task AVerifiedAnswerIsWhatAJsonWriterWrites(VerifyOutcome outcome)
    {
        const string otp = "630412";
        bool verified = outcome == VerifyOutcome.Verified;
        string expected = Json(w =>
        {
            w.WriteNumber("code", 200);
            w.WriteString("status", "Success");
            w.WriteString("transactionId", TransactionId);
            w.WriteString("verify", verified ? "true" : "false");
            w.WriteBoolean("verified", verified);
            if (verified)
            {
                w.WriteString("token", Token);
                w.WriteString("OTP", otp);
            }
            else
            {
                w.WriteString("reason", Encoding.UTF8.GetString(ApiResponse.ReasonText(outcome)));
                w.WriteString("token", Token);
            }
        });

        (string body, HttpResponse response) = await WriteAsync(r => ApiResponse.WriteVerified(r, Ascii(TransactionId), outcome, Ascii(Token), verified ? Ascii(otp) : default));
        Assert.Equal(expected, body);
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), response.ContentLength);
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Json(Action<Utf8JsonWriter> properties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            properties(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static async Task<(string Body, HttpResponse Response)> WriteAsync(Action<HttpResponse> write)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        write(context.Response);
        await context.Response.BodyWriter.FlushAsync();
        return (Encoding.UTF8.GetString(body.ToArray()), context.Response);
    }
}
