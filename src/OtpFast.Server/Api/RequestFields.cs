using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace OtpFast.Server.Api;

/// <summary>
/// The request body read leniently, as API.md's transport rules say: any Content-Type, a
/// trailing comma, comments skipped, case-insensitive property names, last duplicate wins,
/// values as strings or native JSON types. Only the properties the API knows are kept.
/// </summary>
/// <remarks>
/// Allocation-free and copy-free where it can be: a value is read where it lies in the body, and
/// only a string with escapes is unescaped, into a caller-provided scratch buffer (never longer
/// than the body).
/// </remarks>
internal ref struct RequestFields
{
    /// <summary>Limit on nesting, so a deeply nested body costs little before it is refused.</summary>
    public const int MaxDepth = 32;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = MaxDepth,
    };

    private readonly ReadOnlySpan<byte> _body;
    private readonly Span<byte> _scratch;
    private int _used;
    private FieldValues _fields;

    private RequestFields(ReadOnlySpan<byte> body, Span<byte> scratch)
    {
        _body = body;
        _scratch = scratch;
    }

    /// <summary>
    /// Reads <paramref name="body"/>; false when it is not a JSON object (code 400).
    /// </summary>
    /// <param name="scratch">At least as long as <paramref name="body"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, Span<byte> scratch, out RequestFields fields)
    {
        // A UTF-8 byte order mark is not JSON, but some clients send one: skip it. (Its bytes
        // written as "\xEF\xBB\xBF"u8 would be the UTF-8 of U+00EF U+00BB U+00BF, six other bytes.)
        if (body.StartsWith(Utf8ByteOrderMark))
        {
            body = body[3..];
        }

        fields = new RequestFields(body, scratch);
        try
        {
            return fields.Read();
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // Unescaping met a lone surrogate or invalid UTF-8.
            return false;
        }
    }

    /// <summary>
    /// Reads <paramref name="body"/> for an endpoint that reads <paramref name="reads"/>; false
    /// (code 400) also when one of those holds an object or array.
    /// </summary>
    /// <param name="scratch">At least as long as <paramref name="body"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, Span<byte> scratch, ApiFieldSet reads, out RequestFields fields) =>
        TryParse(body, scratch, out fields) && !fields.HasStructuredValue(reads);

    public readonly RequestValue this[ApiField field]
    {
        get
        {
            FieldValue value = _fields[(int)field];
            ReadOnlySpan<byte> source = value.IsUnescaped ? _scratch : _body;
            return new RequestValue(value.Kind, source.Slice(value.Start, value.Length));
        }
    }

    /// <summary>Whether any of <paramref name="fields"/> holds an object or array (code 400).</summary>
    public readonly bool HasStructuredValue(ApiFieldSet fields)
    {
        for (ApiField f = 0; f < ApiField.Count; f++)
        {
            if (fields.Contains(f) && _fields[(int)f].Kind == ValueKind.Structured)
            {
                return true;
            }
        }

        return false;
    }

    private bool Read()
    {
        var reader = new Utf8JsonReader(_body, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // Anything after the object other than whitespace or comments makes Read throw.
                return !reader.Read();
            }

            ApiField field = Identify(ref reader);
            reader.Read();
            FieldValue value = reader.TokenType switch
            {
                JsonTokenType.StartObject or JsonTokenType.StartArray => new FieldValue(ValueKind.Structured),
                JsonTokenType.String => field == ApiField.Unknown ? default : StringValue(ref reader),
                JsonTokenType.Number => field == ApiField.Unknown ? default : LiteralValue(ref reader, ValueKind.Number),
                JsonTokenType.True => field == ApiField.Unknown ? default : LiteralValue(ref reader, ValueKind.True),
                JsonTokenType.False => field == ApiField.Unknown ? default : LiteralValue(ref reader, ValueKind.False),
                _ => new FieldValue(ValueKind.Null),
            };

            if (value.Kind == ValueKind.Structured)
            {
                reader.Skip();
            }

            if (field != ApiField.Unknown)
            {
                _fields[(int)field] = value;
            }
        }

        return false;
    }

    private static ApiField Identify(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Match(reader.ValueSpan);
        }

        // An escaped name ("\u0061piKey") is matched by its unescaped text; long ones match nothing.
        if (reader.ValueSpan.Length > 96)
        {
            return ApiField.Unknown;
        }

        Span<byte> unescaped = stackalloc byte[96];
        return Match(unescaped[..reader.CopyString(unescaped)]);
    }

    private static ApiField Match(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 when Ascii.EqualsIgnoreCase(name, "otp"u8) => ApiField.Otp,
        5 when Ascii.EqualsIgnoreCase(name, "token"u8) => ApiField.Token,
        6 when Ascii.EqualsIgnoreCase(name, "apiKey"u8) => ApiField.ApiKey,
        6 when Ascii.EqualsIgnoreCase(name, "expiry"u8) => ApiField.Expiry,
        8 when Ascii.EqualsIgnoreCase(name, "codeType"u8) => ApiField.CodeType,
        8 when Ascii.EqualsIgnoreCase(name, "reCreate"u8) => ApiField.ReCreate,
        10 when Ascii.EqualsIgnoreCase(name, "codeLength"u8) => ApiField.CodeLength,
        12 when Ascii.EqualsIgnoreCase(name, "tokenCreator"u8) => ApiField.TokenCreator,
        _ => ApiField.Unknown,
    };

    private FieldValue StringValue(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            int length = reader.CopyString(_scratch[_used..]);
            var unescaped = new FieldValue(ValueKind.String, _used, length, IsUnescaped: true);
            _used += length;
            return unescaped;
        }

        if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
        {
            throw new InvalidOperationException("Invalid UTF-8 in a string value.");
        }

        // A string starts one byte after its opening quote.
        return InBody(ref reader, ValueKind.String, (int)reader.TokenStartIndex + 1);
    }

    // Numbers and booleans keep their literal text: "apiKey":123 or "tokenCreator":true read as text.
    private readonly FieldValue LiteralValue(ref Utf8JsonReader reader, ValueKind kind) =>
        InBody(ref reader, kind, (int)reader.TokenStartIndex);

    // The reader runs over one contiguous span (a body that came in several segments is joined
    // first), so a value without escapes is that span's bytes as they are: no copy is needed.
    private readonly FieldValue InBody(ref Utf8JsonReader reader, ValueKind kind, int start)
    {
        Debug.Assert(!reader.HasValueSequence && _body.Slice(start, reader.ValueSpan.Length).SequenceEqual(reader.ValueSpan), "A value's place in the body.");
        return new FieldValue(kind, start, reader.ValueSpan.Length, IsUnescaped: false);
    }

    /// <summary>A property's value: its kind and where its text lies, in the body or (unescaped) in scratch.</summary>
    private readonly record struct FieldValue(ValueKind Kind, int Start = 0, int Length = 0, bool IsUnescaped = false);

    [System.Runtime.CompilerServices.InlineArray((int)ApiField.Count)]
    private struct FieldValues
    {
        private FieldValue _first;
    }
}
