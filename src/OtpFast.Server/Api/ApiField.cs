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
