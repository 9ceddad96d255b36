namespace OtpFast.Core.Store;

/// <summary>Limits and shape of a <see cref="ShardedOtpStore"/>.</summary>
public sealed class OtpStoreOptions
{
    /// <summary>Default cap on stored pairs: 10,000,000 pairs is about 1 GB at ~100 bytes each.</summary>
    public const long DefaultMaxLivePairs = 10_000_000;

    public const int DefaultMaxVerifyAttempts = 5;

    public const int DefaultMaxFailedVerifiesPerCreator = 20;

    public const int DefaultFailedVerifyWindowSeconds = 900;

    /// <summary>Longest expiry the store accepts: 10 years keeps every deadline inside the wheel's range.</summary>
    public const long MaxSupportedExpirySeconds = 10L * 366 * 24 * 3600;

    /// <summary>Most pairs held at once; an issue beyond it answers <see cref="IssueStatus.Full"/>.</summary>
    public long MaxLivePairs { get; init; } = DefaultMaxLivePairs;

    /// <summary>Wrong codes after which a pair is locked.</summary>
    public int MaxVerifyAttempts { get; init; } = DefaultMaxVerifyAttempts;

    /// <summary>
    /// Wrong codes one account + tokenCreator may send across all its pairs within
    /// <see cref="FailedVerifyWindow"/> (a new pair after each lock must not mean fresh guesses
    /// forever); 0 turns this limit off. Once spent, its verifies answer locked and new pairs are refused.
    /// </summary>
    public int MaxFailedVerifiesPerCreator { get; init; } = DefaultMaxFailedVerifiesPerCreator;

    /// <summary>The window of <see cref="MaxFailedVerifiesPerCreator"/>, from the first failure it counts.</summary>
    public TimeSpan FailedVerifyWindow { get; init; } = TimeSpan.FromSeconds(DefaultFailedVerifyWindowSeconds);

    /// <summary>Number of shards, a power of two; 0 picks 16 per core (at least 16), capped at 256.</summary>
    public int ShardCount { get; init; }

    /// <summary>
    /// How long a consumed, locked or expired pair is kept (from the moment it was consumed or
    /// locked, or its deadline) so that a late verify can say <c>used</c>, <c>locked</c> or
    /// <c>expired</c> rather than <c>unknown</c>. Tombstones count towards
    /// <see cref="MaxLivePairs"/> but the oldest give way when a new pair needs the room.
    /// </summary>
    public TimeSpan TombstoneLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Least time between two new pairs of one account + tokenCreator (a resend flood guard);
    /// zero turns it off. Asking again with reCreate=false still returns the live pair.
    /// </summary>
    public TimeSpan ResendCooldown { get; init; }

    /// <summary>Secret 16-byte key of the tokenCreator digest; empty draws a random one.</summary>
    public ReadOnlyMemory<byte> CreatorHashKey { get; init; }

    /// <summary>These limits with a persisted store's shape: its shard count (tokens carry their shard) and creator digest key.</summary>
    public OtpStoreOptions WithShape(int shardCount, ReadOnlySpan<byte> creatorHashKey) => new()
    {
        MaxLivePairs = MaxLivePairs,
        MaxVerifyAttempts = MaxVerifyAttempts,
        MaxFailedVerifiesPerCreator = MaxFailedVerifiesPerCreator,
        FailedVerifyWindow = FailedVerifyWindow,
        TombstoneLifetime = TombstoneLifetime,
        ResendCooldown = ResendCooldown,
        ShardCount = shardCount,
        CreatorHashKey = creatorHashKey.ToArray(),
    };

    internal int ResolveShardCount()
    {
        int count = ShardCount;
        if (count <= 0)
        {
            count = (int)Math.Min(256, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, Environment.ProcessorCount * 16)));
        }

        if (count > 256 || !System.Numerics.BitOperations.IsPow2(count))
        {
            throw new ArgumentOutOfRangeException(nameof(ShardCount), count, "ShardCount must be a power of two from 1 to 256.");
        }

        return count;
    }
}
