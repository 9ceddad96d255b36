namespace OtpFast.Core.Store.InMemory;

/// <summary>What <see cref="ShardedOtpStore.Verify"/> did, before its change is durable; on a match, the stored code's length.</summary>
/// <param name="Commit">Non-zero when the answer must wait for <see cref="ShardedOtpStore.WaitForCommitAsync"/> before it is sent.</param>
public readonly record struct PendingVerify(VerifyOutcome Outcome, int OtpLength, long Commit = 0);
