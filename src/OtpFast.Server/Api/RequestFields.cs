using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace OtpFast.Server.Api;

/// <summary>
/// The request body read leniently, as API.md's transport rules say: any Content-Type, a
/// trailing comma, comments skipped, case-insensitive property names, last duplicate wins,
/// values as strings or native JSON types. Only the properties the API knows are kept.
/// </summary>
/// <remarks>
/// Allocation-free: string values are unescaped into a caller-provided scratch buffer (never
/// longer than the body), and fields refer to ranges of it.
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

    private readonly Span<byte> _scratch;
    private int _used;
    private FieldValues _fields;

    private RequestFields(Span<byte> scratch)
    {
        _scratch = scratch;
    }

    /// <summary>
    /// Reads <paramref name="body"/>; false when it is not a JSON object (code 400).
    /// </summary>
    /// <param name="scratch">At least as long as <paramref name="body"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, Span<byte> scratch, out RequestFields fields)
    {
        fields = new RequestFields(scratch);

        // A UTF-8 byte order mark is not JSON, but some clients send one: skip it. (Its bytes
        // written as "\xEF\xBB\xBF"u8 would be the UTF-8 of U+00EF U+00BB U+00BF, six other bytes.)
        if (body.StartsWith(Utf8ByteOrderMark))
        {
            body = body[3..];
        }

        try
        {
            return fields.Read(body);
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

    public readonly FieldValue this[ApiField field] => _fields[(int)field];

    public readonly ReadOnlySpan<byte> Text(FieldValue value) => _scratch.Slice(value.Start, value.Length);

    public readonly ReadOnlySpan<byte> Text(ApiField field) => Text(this[field]);

    /// <summary>Whether any known field holds an object or array (code 400).</summary>
    public readonly bool HasStructuredValue(ApiField first, ApiField last)
    {
        for (ApiField f = first; f <= last; f++)
        {
            if (this[f].Kind == ValueKind.Structured)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a non-negative integer given as a JSON number or a string of ASCII digits.</summary>
    public readonly bool TryGetInteger(ApiField field, out long value)
    {
        value = 0;
        FieldValue v = this[field];
        if (v.Kind is not (ValueKind.Number or ValueKind.String))
        {
            return false;
        }

        ReadOnlySpan<byte> text = Text(v);
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
    }

    /// <summary>Parses a boolean given natively or as a case-insensitive "true"/"false" string.</summary>
    public readonly bool TryGetBoolean(ApiField field, out bool value)
    {
        FieldValue v = this[field];
        switch (v.Kind)
        {
            case ValueKind.True:
                value = true;
                return true;
            case ValueKind.False:
                value = false;
                return true;
            case ValueKind.String when Ascii.EqualsIgnoreCase(Text(v), "true"u8):
                value = true;
                return true;
            case ValueKind.String when Ascii.EqualsIgnoreCase(Text(v), "false"u8):
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private bool Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
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
                JsonTokenType.StartObject or JsonTokenType.StartArray => new FieldValue(ValueKind.Structured, 0, 0),
                JsonTokenType.String => field == ApiField.Unknown ? default : CopyString(ref reader),
                JsonTokenType.Number => field == ApiField.Unknown ? default : CopyRaw(ref reader, ValueKind.Number),
                JsonTokenType.True => field == ApiField.Unknown ? default : CopyRaw(ref reader, ValueKind.True),
                JsonTokenType.False => field == ApiField.Unknown ? default : CopyRaw(ref reader, ValueKind.False),
                _ => new FieldValue(ValueKind.Null, 0, 0),
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

    private FieldValue CopyString(ref Utf8JsonReader reader)
    {
        Span<byte> destination = _scratch[_used..];
        int length;
        if (reader.ValueIsEscaped)
        {
            length = reader.CopyString(destination);
        }
        else
        {
            ReadOnlySpan<byte> raw = reader.ValueSpan;
            if (!System.Text.Unicode.Utf8.IsValid(raw))
            {
                throw new InvalidOperationException("Invalid UTF-8 in a string value.");
            }

            raw.CopyTo(destination);
            length = raw.Length;
        }

        var value = new FieldValue(ValueKind.String, _used, length);
        _used += length;
        return value;
    }

    // Numbers and booleans keep their literal text: "apiKey":123 or "tokenCreator":true read as text.
    private FieldValue CopyRaw(ref Utf8JsonReader reader, ValueKind kind)
    {
        ReadOnlySpan<byte> raw = reader.ValueSpan;
        raw.CopyTo(_scratch[_used..]);
        var value = new FieldValue(kind, _used, raw.Length);
        _used += raw.Length;
        return value;
    }

    [System.Runtime.CompilerServices.InlineArray((int)ApiField.Count)]
    private struct FieldValues
    {
        private FieldValue _first;
    }
}
