using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store.InMemory;

/// <summary>What <see cref="ShardedOtpStore.Issue(int, UInt128, Codes.CodeType, int, int, bool, Span{byte})"/> did, before its change is durable.</summary>
/// <param name="Commit">Non-zero when the answer must wait for <see cref="ShardedOtpStore.WaitForCommitAsync"/> before it is sent.</param>
public readonly record struct PendingIssue(IssueStatus Status, OtpToken Token, int OtpLength, long Commit = 0);
