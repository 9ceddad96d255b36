namespace OtpFast.Core.Store;

/// <summary>Limits and shape of a <see cref="ShardedOtpStore"/>.</summary>
public sealed class OtpStoreOptions
{
    /// <summary>Default cap on stored pairs: 10,000,000 pairs is about 1 GB at ~100 bytes each.</summary>
    public const long DefaultMaxLivePairs = 10_000_000;

    public const int DefaultMaxVerifyAttempts = 5;

    /// <summary>Longest expiry the store accepts: 10 years keeps every deadline inside the wheel's range.</summary>
    public const long MaxSupportedExpirySeconds = 10L * 366 * 24 * 3600;

    /// <summary>Most pairs held at once; an issue beyond it answers <see cref="IssueStatus.Full"/>.</summary>
    public long MaxLivePairs { get; init; } = DefaultMaxLivePairs;

    /// <summary>Wrong codes after which a pair is locked.</summary>
    public int MaxVerifyAttempts { get; init; } = DefaultMaxVerifyAttempts;

    /// <summary>Number of shards, a power of two; 0 picks 16 per core (at least 16), capped at 256.</summary>
    public int ShardCount { get; init; }

    /// <summary>
    /// How long a consumed or locked pair is kept (at most until its own deadline) so that a
    /// repeated verify can say <c>used</c> or <c>locked</c> rather than <c>unknown</c>.
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
