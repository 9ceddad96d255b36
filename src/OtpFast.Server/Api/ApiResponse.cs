using System.Buffers;
using System.Text.Json;
using OtpFast.Core.Store;

namespace OtpFast.Server.Api;

/// <summary>
/// Writes API answers: HTTP 200 with a JSON body carrying the outcome code (docs/API.md), with the
/// property names and order of Juvlon's examples.
/// </summary>
/// <remarks>
/// The body is built in a per-thread buffer by one cached <see cref="Utf8JsonWriter"/>, then
/// copied into Kestrel's output pipe with its Content-Length set. The whole write is
/// synchronous, so the per-thread buffer is never held across an await.
/// </remarks>
internal static class ApiResponse
{
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText TransactionId = JsonEncodedText.Encode("transactionId");
    private static readonly JsonEncodedText Otp = JsonEncodedText.Encode("OTP");
    private static readonly JsonEncodedText Token = JsonEncodedText.Encode("token");
    private static readonly JsonEncodedText Verify = JsonEncodedText.Encode("verify");

    // Juvlon's "verify" is a string, and "false" is truthy in PHP, Python and JavaScript `if`
    // tests; "verified" is the same answer as a JSON boolean for clients that test it directly.
    private static readonly JsonEncodedText Verified = JsonEncodedText.Encode("verified");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Success = JsonEncodedText.Encode("Success");
    private static readonly JsonEncodedText Error = JsonEncodedText.Encode("Error");
    private static readonly JsonEncodedText True = JsonEncodedText.Encode("true");
    private static readonly JsonEncodedText False = JsonEncodedText.Encode("false");

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>An error answer: code, status Error, message (ApiCode's text for the code, or for 429 its cause's), transactionId.</summary>
    public static void WriteError(HttpResponse response, int code, ReadOnlySpan<byte> message, ReadOnlySpan<byte> transactionId)
    {
        Utf8JsonWriter json = Begin(out ArrayBufferWriter<byte> buffer);
        json.WriteNumber(Code, code);
        json.WriteString(Status, Error);
        json.WriteString(Message, message);
        json.WriteString(TransactionId, transactionId);
        End(response, json, buffer);
    }

    /// <summary>requestOneTimeCode success: the code, and the token when a pair was stored.</summary>
    public static void WriteIssued(HttpResponse response, ReadOnlySpan<byte> transactionId, ReadOnlySpan<byte> otp, ReadOnlySpan<byte> token)
    {
        Utf8JsonWriter json = BeginSuccess(transactionId, out ArrayBufferWriter<byte> buffer);
        json.WriteString(Otp, otp);
        if (!token.IsEmpty)
        {
            json.WriteString(Token, token);
        }

        End(response, json, buffer);
    }

    /// <summary>verifyOneTimeCode answer: verify "true" with the code, or "false" with the reason; verified is the same as a boolean.</summary>
    public static void WriteVerified(HttpResponse response, ReadOnlySpan<byte> transactionId, VerifyOutcome outcome, ReadOnlySpan<byte> token, ReadOnlySpan<byte> otp)
    {
        Utf8JsonWriter json = BeginSuccess(transactionId, out ArrayBufferWriter<byte> buffer);
        if (outcome == VerifyOutcome.Verified)
        {
            json.WriteString(Verify, True);
            json.WriteBoolean(Verified, true);
            json.WriteString(Token, token);
            json.WriteString(Otp, otp);
        }
        else
        {
            json.WriteString(Verify, False);
            json.WriteBoolean(Verified, false);
            json.WriteString(Reason, ReasonText(outcome));
            json.WriteString(Token, token);
        }

        End(response, json, buffer);
    }

    public static ReadOnlySpan<byte> ReasonText(VerifyOutcome outcome) => outcome switch
    {
        VerifyOutcome.Mismatch => "mismatch"u8,
        VerifyOutcome.Expired => "expired"u8,
        VerifyOutcome.Used => "used"u8,
        VerifyOutcome.Locked => "locked"u8,

        // Never in an answer (it is code 503); names the outcome in /metrics.
        VerifyOutcome.Unavailable => "unavailable"u8,
        _ => "unknown"u8,
    };

    private static Utf8JsonWriter BeginSuccess(ReadOnlySpan<byte> transactionId, out ArrayBufferWriter<byte> buffer)
    {
        Utf8JsonWriter json = Begin(out buffer);
        json.WriteNumber(Code, ApiCode.Accepted);
        json.WriteString(Status, Success);
        json.WriteString(TransactionId, transactionId);
        return json;
    }

    private static Utf8JsonWriter Begin(out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        Utf8JsonWriter json = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        json.Reset(buffer);
        json.WriteStartObject();
        return json;
    }

    private static void End(HttpResponse response, Utf8JsonWriter json, ArrayBufferWriter<byte> buffer)
    {
        json.WriteEndObject();
        json.Flush();
        ReadOnlySpan<byte> body = buffer.WrittenSpan;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        Span<byte> destination = response.BodyWriter.GetSpan(body.Length);
        body.CopyTo(destination);
        response.BodyWriter.Advance(body.Length);
    }
}
