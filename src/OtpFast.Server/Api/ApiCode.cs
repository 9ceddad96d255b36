namespace OtpFast.Server.Api;

/// <summary>The body codes of docs/API.md and their messages.</summary>
internal static class ApiCode
{
    public const int Accepted = 200;
    public const int Malformed = 400;
    public const int InvalidMethod = 401;
    public const int EmptyKey = 402;
    public const int InvalidKey = 403;
    public const int SendingBlocked = 404;
    public const int AccountExpired = 405;
    public const int TooLarge = 413;
    public const int RateLimited = 429;
    public const int InvalidTokenOrOtp = 442;
    public const int Deactivated = 448;
    public const int InvalidCodeType = 480;
    public const int InvalidCodeLength = 481;
    public const int InvalidExpiry = 482;
    public const int InvalidRecreate = 483;
    public const int Unavailable = 503;

    /// <summary>Every code an API answer can carry, in table order (metrics label them).</summary>
    public static ReadOnlySpan<int> All =>
    [
        Accepted, Malformed, InvalidMethod, EmptyKey, InvalidKey, SendingBlocked, AccountExpired, TooLarge,
        RateLimited, InvalidTokenOrOtp, Deactivated, InvalidCodeType, InvalidCodeLength, InvalidExpiry, InvalidRecreate, Unavailable,
    ];

    /// <summary>
    /// Code 429 for a new pair asked for inside ResendCooldownSeconds of the previous one. Code 429
    /// has three causes and a client handles each its own way (wait a second; tell the user to
    /// wait before asking for another code; tell them too many wrong codes were typed), so each
    /// has its own message; "Rate Limit Exceeded" stays Juvlon's, for the account's rate.
    /// </summary>
    public static ReadOnlySpan<byte> ResendCooldownMessage => "Resend Cooldown Active"u8;

    /// <summary>Code 429 for a new pair while the account + tokenCreator's failed-verify budget is spent (see <see cref="ResendCooldownMessage"/>).</summary>
    public static ReadOnlySpan<byte> FailedVerifiesSpentMessage => "Too Many Failed Verifies"u8;

    public static ReadOnlySpan<byte> Message(int code) => code switch
    {
        Accepted => "API Request Accepted"u8,
        Malformed => "Malformed Request"u8,
        InvalidMethod => "Invalid Method"u8,
        EmptyKey => "Unauthorized/Empty Key"u8,
        InvalidKey => "Unauthorized/Invalid Key"u8,
        SendingBlocked => "Account Sending Blocked"u8,
        AccountExpired => "Your account is expired"u8,
        TooLarge => "Request Too Large"u8,
        RateLimited => "Rate Limit Exceeded"u8,
        InvalidTokenOrOtp => "Invalid Token or OTP"u8,
        Deactivated => "Your account is Deactivated"u8,
        InvalidCodeType => "Invalid Code Type"u8,
        InvalidCodeLength => "Invalid Code Length"u8,
        InvalidExpiry => "Invalid Expiry"u8,
        InvalidRecreate => "Invalid Recreate Option"u8,
        Unavailable => "Service Unavailable"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not an API code."),
    };
}
