using OtpFast.Core.Codes;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store;

/// <summary>What <see cref="IOtpStore.IssueAsync"/> did.</summary>
public enum IssueStatus : byte
{
    /// <summary>A new pair was stored.</summary>
    Created,

    /// <summary>reCreate was false and a live pair already existed: it is returned unchanged.</summary>
    Existing,

    /// <summary>The store holds its maximum number of live pairs (every tombstone already gave way); nothing was stored.</summary>
    Full,

    /// <summary>A new pair was asked for inside the resend cooldown of the previous one; nothing changed.</summary>
    CoolingDown,

    /// <summary>
    /// The account + tokenCreator sent MaxFailedVerifiesPerCreator wrong codes inside the window:
    /// no new pair (a fresh set of guesses) until it passes; nothing changed.
    /// </summary>
    FailedVerifiesSpent,

    /// <summary>The store cannot take the change now (the disk refuses writes, Redis is unreachable or timed out); nothing is known to have changed.</summary>
    Unavailable,
}

/// <summary>The outcome of an issue: the status, and for Created/Existing the pair's token and code.</summary>
public readonly record struct IssueResult(IssueStatus Status, OtpToken Token, OtpCode Code);
