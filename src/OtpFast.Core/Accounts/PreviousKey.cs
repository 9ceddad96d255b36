namespace OtpFast.Core.Accounts;

/// <summary>
/// The key an account had before <c>otpfast accounts rotate</c>: it keeps working until
/// <paramref name="Until"/>, so clients can move to the new key without a moment in which
/// neither works. The account (and so every live token) stays the same.
/// </summary>
public sealed record PreviousKey(KeyDigest Digest, DateTimeOffset Until)
{
    public bool IsValidAt(DateTimeOffset now) => now < Until;
}
