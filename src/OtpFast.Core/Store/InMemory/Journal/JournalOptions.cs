namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>How the journal writer paces itself.</summary>
public sealed class JournalOptions
{
    public const int DefaultSyncMilliseconds = 200;
    public const int DefaultCommitTimeoutMilliseconds = 2000;
    public const long DefaultCompactBytes = 64L * 1024 * 1024;

    public DurabilityMode Mode { get; init; } = DurabilityMode.Safe;

    /// <summary>Longest time a record waits for its sync when no answer is waiting for it.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(DefaultSyncMilliseconds);

    /// <summary>How long an answer waits for the disk before it gives up (and the client gets 503).</summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromMilliseconds(DefaultCommitTimeoutMilliseconds);

    /// <summary>Journal bytes since the last snapshot after which a compaction writes a new one.</summary>
    public long CompactBytes { get; init; } = DefaultCompactBytes;
}
