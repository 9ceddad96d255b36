using OtpFast.Core.Codes;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store;

/// <summary>
/// Where token-OTP pairs live between requestOneTimeCode and verifyOneTimeCode.
/// </summary>
/// <remarks>
/// The seam between the API and storage: the in-memory <see cref="ShardedOtpStore"/> is the
/// embedded default; a distributed backend can implement the same contract.
/// </remarks>
public interface IOtpStore
{
    /// <summary>Pairs currently held, including consumed and locked ones not yet reclaimed.</summary>
    long LiveCount { get; }

    /// <summary>
    /// Creates (or with <paramref name="reCreate"/> false, returns the live) pair of
    /// <paramref name="accountId"/> and <paramref name="tokenCreator"/>.
    /// </summary>
    /// <param name="tokenCreator">The end-user identifier as UTF-8, non-empty.</param>
    /// <param name="expirySeconds">Lifetime in seconds; 0 means no expiry.</param>
    /// <param name="otp">Receives the pair's code; must hold <see cref="CodeAlphabet.MaxLength"/> bytes.</param>
    IssueResult Issue(int accountId, ReadOnlySpan<byte> tokenCreator, CodeType codeType, int codeLength, int expirySeconds, bool reCreate, Span<byte> otp);

    /// <summary>Checks <paramref name="otp"/> against the pair of <paramref name="token"/>, consuming it on a match.</summary>
    /// <param name="matchedOtp">On a match, receives the stored code; must hold <see cref="CodeAlphabet.MaxLength"/> bytes.</param>
    VerifyResult Verify(int accountId, OtpToken token, ReadOnlySpan<byte> otp, Span<byte> matchedOtp);

    /// <summary>
    /// Completes once the change behind a result's non-zero <c>Commit</c> is durable: true, or
    /// false when it could not be made durable in time (the answer must then be 503, never the result).
    /// </summary>
    ValueTask<bool> WaitForCommitAsync(long commit);
}
