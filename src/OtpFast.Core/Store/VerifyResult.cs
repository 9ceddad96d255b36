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

    /// <summary>The journal cannot record the attempt now (the disk refuses writes); nothing was compared or changed.</summary>
    Unavailable,
}

/// <summary>The outcome of a verify, and on <see cref="VerifyOutcome.Verified"/> the stored code's length.</summary>
/// <param name="Commit">Non-zero when the answer must wait for <see cref="IOtpStore.WaitForCommitAsync"/> before it is sent.</param>
public readonly record struct VerifyResult(VerifyOutcome Outcome, int OtpLength, long Commit = 0);
