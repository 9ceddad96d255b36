namespace OtpFast.Core.Accounts;

/// <summary>An API account. The key itself is never kept: only its SHA-256 digest.</summary>
/// <param name="Id">Stable number, never reused; stored pairs refer to the account by it.</param>
/// <param name="ExpiresOn">Last UTC day on which the account may be used; null = never expires.</param>
/// <param name="RatePerSecond">Requests per second the account may make; null = the server's default, 0 = unlimited.</param>
/// <param name="PreviousKey">The key a rotation replaced and until when it still works; null when none.</param>
public sealed record Account(int Id, string Name, KeyDigest KeyDigest, AccountState State, DateOnly? ExpiresOn, int? RatePerSecond = null, PreviousKey? PreviousKey = null)
{
    /// <summary>Whether the account is past its expiry date on UTC day <paramref name="today"/>.</summary>
    public bool IsExpiredOn(DateOnly today) => ExpiresOn is { } last && today > last;
}
