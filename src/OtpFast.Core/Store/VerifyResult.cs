using OtpFast.Core.Codes;

namespace OtpFast.Core.Store;

/// <summary>Why a verify answered as it did (API.md: <c>reason</c>).</summary>
public enum VerifyOutcome : byte
{
    /// <summary>The code matched; the pair is consumed.</summary>
    Verified,

    /// <summary>Wrong code; the attempt was counted.</summary>
    Mismatch,

    /// <summary>No such token for this account (never issued, replaced, reclaimed, or another account's).</summary>
    Unknown,

    /// <summary>The pair's deadline has passed.</summary>
    Expired,

    /// <summary>The pair was already verified once.</summary>
    Used,

    /// <summary>
    /// Too many wrong codes: the pair no longer verifies; or the account + tokenCreator spent its
    /// failed-verify budget, and nothing was compared.
    /// </summary>
    Locked,

    /// <summary>The store cannot answer now (the disk refuses writes, Redis is unreachable or timed out, a replica did not acknowledge a consume): the answer is 503, never true or false.</summary>
    Unavailable,
}

/// <summary>The outcome of a verify, and on <see cref="VerifyOutcome.Verified"/> the stored code.</summary>
public readonly record struct VerifyResult(VerifyOutcome Outcome, OtpCode Code);
