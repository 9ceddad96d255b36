using OtpFast.Core.Codes;
using OtpFast.Core.Concurrency;
using OtpFast.Core.Hashing;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// The in-memory <see cref="IOtpStore"/>: a power-of-two number of independently locked shards.
/// </summary>
/// <remarks>
/// A pair's shard is picked by the low bits of the keyed digest of (account, tokenCreator), and
/// its token carries the same bits in its lowest bits, so verify goes straight to the shard
/// without a second, global index. Time is monotonic store milliseconds from the
/// <see cref="TimeProvider"/> timestamp, never wall-clock time.
/// </remarks>
public sealed class ShardedOtpStore : IOtpStore
{
    // A full store frees room by reclaiming tombstones; racing issuers may take the room first,
    // so a request tries a few times before it answers Full.
    private const int GiveWayTries = 4;

    private readonly OtpShard[] _shards;
    private readonly int _shardMask;
    private readonly SipHash128 _creatorHash;
    private readonly byte[] _creatorHashKey;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly double _msPerTimestampTick;
    private readonly long _maxLivePairs;
    private readonly long _wallAnchorMs;
    private StoreJournal? _journal;
    private long _tombstonesGivenWay;
    private long _budgetsSpent;

    // Places in MaxLivePairs handed out: live pairs plus the places shards hold in reserve (see
    // OtpShard.TryReserve). A shard comes here once per ReserveChunk new pairs, not per pair, and
    // the counter has its cache line to itself, so the fields every call reads are not dirtied.
    private PaddedLong _reserved;

    public ShardedOtpStore(OtpStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLivePairs, 1, nameof(options.MaxLivePairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxVerifyAttempts, 1, nameof(options.MaxVerifyAttempts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxVerifyAttempts, ushort.MaxValue, nameof(options.MaxVerifyAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxFailedVerifiesPerCreator, nameof(options.MaxFailedVerifiesPerCreator));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxFailedVerifiesPerCreator, ushort.MaxValue, nameof(options.MaxFailedVerifiesPerCreator));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FailedVerifyWindow, TimeSpan.FromSeconds(1), nameof(options.FailedVerifyWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.FailedVerifyWindow, TimeSpan.FromDays(30), nameof(options.FailedVerifyWindow));
        _time = time;
        _startTimestamp = time.GetTimestamp();
        _wallAnchorMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        _msPerTimestampTick = 1000.0 / time.TimestampFrequency;
        _maxLivePairs = options.MaxLivePairs;
        MaxVerifyAttempts = options.MaxVerifyAttempts;
        ReserveChunk = (int)Math.Clamp(options.MaxLivePairs / (options.ResolveShardCount() * 64L), 1, 64);
        TombstoneMs = (long)options.TombstoneLifetime.TotalMilliseconds;
        CooldownTenths = (int)Math.Ceiling(options.ResendCooldown.TotalMilliseconds / 100);
        Budget = new FailedVerifyBudget(options.MaxFailedVerifiesPerCreator, (int)Math.Ceiling(options.FailedVerifyWindow.TotalMilliseconds / 100));

        Span<byte> randomKey = stackalloc byte[16];
        SecureRandomPool.Fill(randomKey);
        _creatorHashKey = options.CreatorHashKey.IsEmpty ? randomKey.ToArray() : options.CreatorHashKey.ToArray();
        _creatorHash = new SipHash128(_creatorHashKey);

        int count = options.ResolveShardCount();
        _shardMask = count - 1;
        _shards = new OtpShard[count];
        for (int i = 0; i < count; i++)
        {
            _shards[i] = new OtpShard(this, i, 0);
        }
    }

    /// <summary>Pairs held, tombstones included: what counts towards MaxLivePairs. Read shard by shard under each lock.</summary>
    public long LiveCount => CountEntries();

    /// <summary>Used, locked and expired pairs kept to say why a verify fails; counted shard by shard under each lock.</summary>
    public long TombstoneCount
    {
        get
        {
            long total = 0;
            foreach (OtpShard shard in _shards)
            {
                total += shard.TombstoneCount;
            }

            return total;
        }
    }

    /// <summary>Tombstones reclaimed early to make room for a new pair in a full store.</summary>
    public long TombstonesGivenWay => Volatile.Read(ref _tombstonesGivenWay);

    /// <summary>Times an account + tokenCreator spent its failed-verify budget (each locks it out for the rest of its window).</summary>
    public long FailedVerifyBudgetsSpent => Volatile.Read(ref _budgetsSpent);

    internal int MaxVerifyAttempts { get; }

    /// <summary>Places in MaxLivePairs a shard takes at a time: small enough that all shards' reserves are a sliver of the bound.</summary>
    internal int ReserveChunk { get; }

    internal long TombstoneMs { get; }

    internal int CooldownTenths { get; }

    internal FailedVerifyBudget Budget { get; }

    public int ShardCount => _shards.Length;

    /// <summary>Milliseconds since the store was created, from the monotonic clock.</summary>
    public long NowMs => (long)((_time.GetTimestamp() - _startTimestamp) * _msPerTimestampTick);

    public UInt128 DigestCreator(int accountId, ReadOnlySpan<byte> tokenCreator) => CreatorDigest.Compute(_creatorHash, accountId, tokenCreator);

    public ValueTask<IssueResult> IssueAsync(in IssueRequest request)
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        PendingIssue pending = Issue(request.AccountId, request.Creator, request.CodeType, request.CodeLength, request.ExpirySeconds, request.ReCreate, otp);
        var result = new IssueResult(pending.Status, pending.Token, new OtpCode(otp[..pending.OtpLength]));
        return pending.Commit == 0 ? new ValueTask<IssueResult>(result) : WhenDurable(WaitForCommitAsync(pending.Commit), result);
    }

    public ValueTask<VerifyResult> VerifyAsync(in VerifyRequest request)
    {
        Span<byte> sent = stackalloc byte[CodeAlphabet.MaxLength];
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        PendingVerify pending = Verify(request.AccountId, request.Token, sent[..request.Code.CopyTo(sent)], matched);
        var result = new VerifyResult(pending.Outcome, new OtpCode(matched[..pending.OtpLength]));
        return pending.Commit == 0 ? new ValueTask<VerifyResult>(result) : WhenDurable(WaitForCommitAsync(pending.Commit), result);
    }

    public string? NotReadyReason => _journal is { IsFailing: true } ? "journal-failing" : null;

    /// <summary>Issues with the digest of <paramref name="tokenCreator"/> (see <see cref="DigestCreator"/>).</summary>
    /// <param name="otp">Receives the pair's code; must hold <see cref="CodeAlphabet.MaxLength"/> bytes.</param>
    public PendingIssue Issue(int accountId, ReadOnlySpan<byte> tokenCreator, CodeType codeType, int codeLength, int expirySeconds, bool reCreate, Span<byte> otp) =>
        Issue(accountId, DigestCreator(accountId, tokenCreator), codeType, codeLength, expirySeconds, reCreate, otp);

    /// <summary>
    /// The synchronous issue behind <see cref="IssueAsync"/>: its answer may only be sent once
    /// <see cref="WaitForCommitAsync"/> of its <c>Commit</c> says the change is durable.
    /// </summary>
    /// <param name="otp">Receives the pair's code; must hold <see cref="CodeAlphabet.MaxLength"/> bytes.</param>
    public PendingIssue Issue(int accountId, UInt128 creator, CodeType codeType, int codeLength, int expirySeconds, bool reCreate, Span<byte> otp)
    {
        if (!CodeAlphabet.IsValidLength(codeLength))
        {
            throw new ArgumentOutOfRangeException(nameof(codeLength));
        }

        if (expirySeconds < 0 || expirySeconds > OtpStoreOptions.MaxSupportedExpirySeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(expirySeconds));
        }

        OtpShard shard = _shards[(int)(ulong)creator & _shardMask];
        long now = NowMs;
        long deadline = expirySeconds == 0 ? long.MaxValue : now + (expirySeconds * 1000L);
        PendingIssue result = shard.Issue(accountId, creator, codeType, codeLength, deadline, reCreate, now, otp);
        if (result.Status == IssueStatus.Full && CollectReserves())
        {
            result = shard.Issue(accountId, creator, codeType, codeLength, deadline, reCreate, now, otp);
        }

        for (int tries = 0; result.Status == IssueStatus.Full && tries < GiveWayTries && GiveWayOldestTombstone(); tries++)
        {
            result = shard.Issue(accountId, creator, codeType, codeLength, deadline, reCreate, now, otp);
        }

        return result;
    }

    /// <summary>The synchronous verify behind <see cref="VerifyAsync"/> (its answer waits like <see cref="Issue(int, UInt128, CodeType, int, int, bool, Span{byte})"/>'s).</summary>
    /// <param name="matchedOtp">On a match, receives the stored code; must hold <see cref="CodeAlphabet.MaxLength"/> bytes.</param>
    public PendingVerify Verify(int accountId, OtpToken token, ReadOnlySpan<byte> otp, Span<byte> matchedOtp)
    {
        OtpShard shard = _shards[(int)(ulong)token.Value & _shardMask];
        return shard.Verify(accountId, token, otp, matchedOtp, NowMs);
    }

    /// <summary>
    /// Completes once the change behind a result's non-zero <c>Commit</c> is durable: true, or
    /// false when it could not be made durable in time (the answer must then be 503, never the result).
    /// </summary>
    public ValueTask<bool> WaitForCommitAsync(long commit) =>
        commit == 0 || _journal is null ? new ValueTask<bool>(true) : _journal.WaitAsync(commit);

    /// <summary>The journal recording this store's changes, if durability is on.</summary>
    public StoreJournal? Journal => _journal;

    /// <summary>Wall-clock Unix milliseconds of a store time (<see cref="long.MaxValue"/> stays "never").</summary>
    internal long ToWall(long storeMs) => storeMs == long.MaxValue ? long.MaxValue : _wallAnchorMs + storeMs;

    /// <summary>Store milliseconds of a wall-clock time (negative: before this store existed).</summary>
    internal long FromWall(long wallMs) => wallMs == long.MaxValue ? long.MaxValue : wallMs - _wallAnchorMs;

    internal void AttachJournal(StoreJournal journal)
    {
        if (Interlocked.CompareExchange(ref _journal, journal, null) is not null)
        {
            throw new InvalidOperationException("The store already has a journal.");
        }

        foreach (OtpShard shard in _shards)
        {
            shard.AttachJournal(new JournalBuffer(journal));
        }
    }

    internal void DrainJournal(JournalStaging staging, long nextRound)
    {
        foreach (OtpShard shard in _shards)
        {
            shard.DrainJournal(staging, nextRound);
        }
    }

    /// <summary>Applies a journaled new pair, its times already in store milliseconds.</summary>
    internal ReplayEffect ReplayIssued(in PairEntry entry)
    {
        OtpShard shard = _shards[(int)entry.CreatorLow & _shardMask];
        ReplayEffect effect = shard.ReplayIssued(entry, NowMs);
        if (effect == ReplayEffect.Refused && CollectReserves())
        {
            effect = shard.ReplayIssued(entry, NowMs);
        }

        return effect == ReplayEffect.Refused && GiveWayOldestTombstone() ? shard.ReplayIssued(entry, NowMs) : effect;
    }

    /// <param name="creatorFailuresSince">Store tenths of a second.</param>
    internal ReplayEffect ReplayState(UInt128 token, int wrongAttempts, PairFlags flags, long deadline, int creatorFailures, int creatorFailuresSince) =>
        _shards[(int)(ulong)token & _shardMask].ReplayState(token, wrongAttempts, flags, deadline, creatorFailures, creatorFailuresSince, NowMs);

    /// <summary>
    /// Reclaims expired pairs in every shard, at most <paramref name="budgetPerShard"/> per shard,
    /// skipping shards that are busy. Called by <see cref="ExpiryHeartbeat"/>.
    /// </summary>
    /// <returns>True when every shard is caught up.</returns>
    public bool AdvanceExpiry(int budgetPerShard)
    {
        long now = NowMs;
        bool caughtUp = true;
        foreach (OtpShard shard in _shards)
        {
            int budget = budgetPerShard;
            caughtUp &= shard.TryAdvance(now, ref budget);
        }

        return caughtUp;
    }

    /// <summary>The secret key of the tokenCreator digest: a snapshot must carry it so pairs can be found by creator again.</summary>
    internal ReadOnlySpan<byte> CreatorHashKey => _creatorHashKey;

    /// <summary>Hands one shard's entries to <paramref name="visit"/> under that shard's lock.</summary>
    internal void ExportShard<TVisitor>(int shard, ref TVisitor visit)
        where TVisitor : struct, IPairVisitor => _shards[shard].Export(ref visit);

    /// <summary>Puts back a pair from a snapshot (times in store milliseconds) into the shard its creator digest names.</summary>
    internal ReplayEffect Restore(in PairEntry entry)
    {
        OtpShard shard = _shards[(int)entry.CreatorLow & _shardMask];
        ReplayEffect effect = shard.Restore(entry, NowMs);
        if (effect == ReplayEffect.Refused && CollectReserves())
        {
            effect = shard.Restore(entry, NowMs);
        }

        return effect == ReplayEffect.Refused && GiveWayOldestTombstone() ? shard.Restore(entry, NowMs) : effect;
    }

    /// <summary>Entries held across the shards, read shard by shard (for consistency checks).</summary>
    internal long CountEntries()
    {
        long total = 0;
        foreach (OtpShard shard in _shards)
        {
            total += shard.Count;
        }

        return total;
    }

    internal long CountWheelEntries()
    {
        long total = 0;
        foreach (OtpShard shard in _shards)
        {
            total += shard.WheelCount;
        }

        return total;
    }

    /// <summary>Up to <see cref="ReserveChunk"/> places in MaxLivePairs for a shard's reserve; 0 when none is left.</summary>
    internal int TakePlaces()
    {
        long current = Volatile.Read(ref _reserved.Value);
        while (true)
        {
            long granted = Math.Min(ReserveChunk, _maxLivePairs - current);
            if (granted <= 0)
            {
                return 0;
            }

            long seen = Interlocked.CompareExchange(ref _reserved.Value, current + granted, current);
            if (seen == current)
            {
                return (int)granted;
            }

            current = seen;
        }
    }

    /// <summary>Places a shard's reserve no longer holds.</summary>
    internal void ReturnPlaces(int count) => Interlocked.Add(ref _reserved.Value, -count);

    internal void CountBudgetSpent() => Interlocked.Increment(ref _budgetsSpent);

    // Before a full store refuses, the places other shards hold in reserve come back (one shard
    // lock at a time, as everywhere), so a refusal means MaxLivePairs pairs are held, not that
    // some shard's reserve was idle. Only a full store pays for the walk.
    private bool CollectReserves()
    {
        bool any = false;
        foreach (OtpShard shard in _shards)
        {
            any |= shard.ReturnReserve();
        }

        return any;
    }

    // Tombstones only serve the reason of a failed verify: in a full store the oldest one (the
    // earliest due across the shards; no two shard locks are ever held together) gives way.
    // Only a full store pays for the walk over the shards.
    private bool GiveWayOldestTombstone()
    {
        OtpShard? oldest = null;
        long oldestDue = long.MaxValue;
        foreach (OtpShard shard in _shards)
        {
            long due = shard.OldestTombstoneDue();
            if (due < oldestDue)
            {
                oldestDue = due;
                oldest = shard;
            }
        }

        if (oldest is null || !oldest.GiveWayOldestTombstone())
        {
            return false;
        }

        Interlocked.Increment(ref _tombstonesGivenWay);
        return true;
    }

    /// <summary>A random token whose lowest bits name <paramref name="shard"/>.</summary>
    internal OtpToken NewTokenFor(OtpShard shard)
    {
        UInt128 value = OtpToken.NewRandom().Value;
        return new OtpToken((value & ~(UInt128)(uint)_shardMask) | (uint)shard.Index);
    }

    // The answer leaves only once the change it reports is on disk (see Durability in the README):
    // a "true" the disk has not taken would be a code that can verify again after a crash.
    private static async ValueTask<IssueResult> WhenDurable(ValueTask<bool> durable, IssueResult result) =>
        await durable.ConfigureAwait(false) ? result : new IssueResult(IssueStatus.Unavailable, default, default);

    private static async ValueTask<VerifyResult> WhenDurable(ValueTask<bool> durable, VerifyResult result) =>
        await durable.ConfigureAwait(false) ? result : new VerifyResult(VerifyOutcome.Unavailable, default);
}
