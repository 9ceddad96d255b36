namespace OtpFast.Server.Api;

/// <summary>The request properties the API reads; names match case-insensitively.</summary>
internal enum ApiField
{
    Unknown = -1,
    ApiKey,
    CodeType,
    CodeLength,
    TokenCreator,
    Expiry,
    ReCreate,
    Token,
    Otp,
    Count,
}

/// <summary>How a property's value was given in the JSON.</summary>
internal enum ValueKind : byte
{
    Absent,
    Null,
    String,
    Number,
    True,
    False,

    /// <summary>An object or array where a value belongs (answers 400).</summary>
    Structured,
}

/// <summary>A property's value: its kind and, for strings and numbers, its UTF-8 text in the request's scratch buffer.</summary>
internal readonly record struct FieldValue(ValueKind Kind, int Start, int Length)
{
    /// <summary>Absent, null, or an empty string: the API treats these alike for optional fields.</summary>
    public bool IsMissing => Kind is ValueKind.Absent or ValueKind.Null || (Kind == ValueKind.String && Length == 0);
}
