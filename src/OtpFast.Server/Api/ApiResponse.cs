using System.Buffers;
using System.Text.Json;
using OtpFast.Core.Store;

namespace OtpFast.Server.Api;

/// <summary>
/// Writes API answers: HTTP 200 with a JSON body carrying the outcome code (docs/API.md), with the
/// property names and order of Juvlon's examples.
/// </summary>
/// <remarks>
/// A success answer is put together from bytes on the stack; an error answer (its message is
/// text) is built in a per-thread buffer by one cached <see cref="Utf8JsonWriter"/>. Either is
/// then copied into Kestrel's output pipe with its Content-Length set. The whole write is
/// synchronous, so the per-thread buffer is never held across an await.
/// </remarks>
internal static class ApiResponse
{
    private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText TransactionId = JsonEncodedText.Encode("transactionId");
    private static readonly JsonEncodedText Error = JsonEncodedText.Encode("Error");

    // The longest success answer: a verified one, with the longest code, token and transaction id.
    private const int MaxSuccessBytes = 256;

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
    // A success answer holds only ASCII that JSON never escapes (transaction ids are digits,
    // codes come from CodeAlphabet, tokens are base32), so it is put together from bytes: the
    // same bytes Utf8JsonWriter writes (tests compare them), without its per-value escaping scan.
    public static void WriteIssued(HttpResponse response, ReadOnlySpan<byte> transactionId, ReadOnlySpan<byte> otp, ReadOnlySpan<byte> token)
    {
        var answer = new AnswerBytes(stackalloc byte[MaxSuccessBytes]);
        answer.Append("{\"code\":200,\"status\":\"Success\",\"transactionId\":\""u8, transactionId);
        answer.Append("\",\"OTP\":\""u8, otp);
        if (!token.IsEmpty)
        {
            answer.Append("\",\"token\":\""u8, token);
        }

        answer.Append("\"}"u8);
        Send(response, answer.Written);
    }

    public static void WriteVerified(HttpResponse response, ReadOnlySpan<byte> transactionId, VerifyOutcome outcome, ReadOnlySpan<byte> token, ReadOnlySpan<byte> otp)
    {
        var answer = new AnswerBytes(stackalloc byte[MaxSuccessBytes]);
        answer.Append("{\"code\":200,\"status\":\"Success\",\"transactionId\":\""u8, transactionId);
        if (outcome == VerifyOutcome.Verified)
        {
            // Juvlon's "verify" is a string, and "false" is truthy in PHP, Python and JavaScript `if`
            // tests; "verified" is the same answer as a JSON boolean for clients that test it directly.
            answer.Append("\",\"verify\":\"true\",\"verified\":true,\"token\":\""u8, token);
            answer.Append("\",\"OTP\":\""u8, otp);
        }
        else
        {
            answer.Append("\",\"verify\":\"false\",\"verified\":false,\"reason\":\""u8, ReasonText(outcome));
            answer.Append("\",\"token\":\""u8, token);
        }

        answer.Append("\"}"u8);
        Send(response, answer.Written);
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
        Send(response, buffer.WrittenSpan);
    }

    private static void Send(HttpResponse response, ReadOnlySpan<byte> body)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        Span<byte> destination = response.BodyWriter.GetSpan(body.Length);
        body.CopyTo(destination);
        response.BodyWriter.Advance(body.Length);
    }

    /// <summary>A success answer put together in a stack buffer.</summary>
    private ref struct AnswerBytes(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Append(ReadOnlySpan<byte> text)
        {
            text.CopyTo(_buffer[_length..]);
            _length += text.Length;
        }

        public void Append(ReadOnlySpan<byte> text, ReadOnlySpan<byte> value)
        {
            Append(text);
            Append(value);
        }
    }
}
