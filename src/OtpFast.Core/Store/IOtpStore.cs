namespace OtpFast.Core.Store;

/// <summary>
/// Where token-OTP pairs live between requestOneTimeCode and verifyOneTimeCode: the seam
/// between the API and storage (the embedded in-memory store, or Redis shared by several nodes).
/// </summary>
/// <remarks>
/// The rules every implementation keeps (the store contract suite runs them all against each):
/// <list type="bullet">
/// <item>An account + tokenCreator has at most one pair that verifies: the newest.</item>
/// <item>Verify-and-consume is atomic: of any number of concurrent verifies of one pair with its
/// right code, exactly one answers <see cref="VerifyOutcome.Verified"/>; a pair is never consumed
/// twice, not even across a crash or a failover, once its <c>Verified</c> has been answered.</item>
/// <item>Tokens are opaque: a token names its pair (and where it lives) and nothing else; a
/// token of another account answers <see cref="VerifyOutcome.Unknown"/>.</item>
/// <item>A result is final when its task completes: an implementation that must wait for a disk
/// or a replica does so before completing, and answers <c>Unavailable</c> when it cannot,
/// never a result it could not keep.</item>
/// <item>Calls never throw for the store's own failures (unreachable, timed out, disk refused):
/// they complete with <see cref="IssueStatus.Unavailable"/> / <see cref="VerifyOutcome.Unavailable"/>.</item>
/// </list>
/// Inputs and results are fixed-size values, so a call that completes synchronously (the
/// in-memory store, nearly always) allocates nothing.
/// </remarks>
public interface IOtpStore
{
    /// <summary>
    /// The keyed 128-bit digest under which the pair of <paramref name="accountId"/> and
    /// <paramref name="tokenCreator"/> is found; the key is the store's (shared by every node of
    /// a shared store), so the same inputs give the same digest on every node.
    /// </summary>
    /// <param name="tokenCreator">The end-user identifier as UTF-8, 1 to <see cref="IssueRequest.MaxTokenCreatorBytes"/> bytes.</param>
    UInt128 DigestCreator(int accountId, ReadOnlySpan<byte> tokenCreator);

    /// <summary>Creates a pair, or with <see cref="IssueRequest.ReCreate"/> false returns the live one.</summary>
    ValueTask<IssueResult> IssueAsync(in IssueRequest request);

    /// <summary>Checks a code against the pair of a token, consuming the pair on a match.</summary>
    ValueTask<VerifyResult> VerifyAsync(in VerifyRequest request);

    /// <summary>Null while the store can answer; otherwise a short reason for /readyz (e.g. <c>journal-failing</c>, <c>store-unreachable</c>).</summary>
    string? NotReadyReason { get; }
}
