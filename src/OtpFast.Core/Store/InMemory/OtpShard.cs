using OtpFast.Core.Codes;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// One shard of the store: its own lock, entry table, token and creator indexes, and expiry wheel.
/// Everything here runs under <see cref="_lock"/>.
/// </summary>
internal sealed class OtpShard : IExpiryHandler
{
    private readonly Lock _lock = new();
    private readonly PairTable _table = new();
    private readonly PairIndex<TokenKey> _byToken;
    private readonly PairIndex<CreatorKey> _byCreator;
    private readonly ExpiryWheel _wheel;
    private readonly TombstoneList _tombstones;
    private readonly ShardedOtpStore _store;
    private readonly int _maxAttempts;
    private readonly long _tombstoneMs;
    private readonly int _cooldownTenths;
    private readonly FailedVerifyBudget _budget;

    // Set once, before the server takes requests; null when durability is off.
    private JournalBuffer? _journal;

    // Places in MaxLivePairs taken from the store ahead of need (see TryReserve).
    private int _reserve;

    public OtpShard(ShardedOtpStore store, int index, long nowMs)
    {
        _store = store;
        Index = index;
        _byToken = new PairIndex<TokenKey>(_table);
        _byCreator = new PairIndex<CreatorKey>(_table);
        _wheel = new ExpiryWheel(_table, nowMs);
        _tombstones = new TombstoneList(_table);
        _maxAttempts = store.MaxVerifyAttempts;
        _tombstoneMs = store.TombstoneMs;
        _cooldownTenths = store.CooldownTenths;
        _budget = store.Budget;
    }

    /// <summary>This shard's position; tokens it issues carry it in their lowest bits.</summary>
    public int Index { get; }

    /// <summary>Entries held (for tests and metrics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _table.Count;
            }
        }
    }

    /// <summary>Used, locked and expired entries kept to say why a verify fails (for tests and metrics).</summary>
    public int TombstoneCount
    {
        get
        {
            lock (_lock)
            {
                return _tombstones.Count;
            }
        }
    }

    public int WheelCount
    {
        get
        {
            lock (_lock)
            {
                return _wheel.Count;
            }
        }
    }

    /// <param name="otp">Receives the pair's code.</param>
    /// <remarks>
    /// The code and token are drawn only when a pair is created, so a repeated request
    /// (reCreate=false) costs one lookup; drawing them under the lock costs ~80 ns.
    /// </remarks>
    public PendingIssue Issue(int accountId, UInt128 creator, CodeType codeType, int otpLength, long deadline, bool reCreate, long now, Span<byte> otp)
    {
        ulong creatorLow = (ulong)creator;
        ulong creatorHigh = (ulong)(creator >> 64);
        lock (_lock)
        {
            int existing = _byCreator.Find(creatorLow, creatorHigh);
            bool replacesLive = false;
            int nowTenths = (int)(now / 100);
            if (existing >= 0)
            {
                ref PairEntry old = ref _table[existing];
                // A code that cannot verify (not in the alphabet, from a file) is not handed out again: it is replaced.
                if (!reCreate && old.IsLive(now) && old.Code.CanMatch)
                {
                    int length = old.OtpLength;
                    old.Code.CopyTo(otp[..length]);
                    return new PendingIssue(IssueStatus.Existing, TokenOf(ref old), length, ReadCommit());
                }

                // A new pair would be a fresh set of guesses: not while this creator's budget is spent.
                if (_budget.IsSpent(old, nowTenths))
                {
                    return new PendingIssue(IssueStatus.FailedVerifiesSpent, default, 0, ReadCommit());
                }

                if (_cooldownTenths > 0 && nowTenths - old.CreatedAt < _cooldownTenths)
                {
                    return new PendingIssue(IssueStatus.CoolingDown, default, 0, ReadCommit());
                }

                replacesLive = old.IsLive(now);
            }

            if (_journal is { CanAppend: false })
            {
                return new PendingIssue(IssueStatus.Unavailable, default, 0);
            }

            ushort carriedFailures = 0;
            int carriedSince = 0;
            if (existing >= 0)
            {
                // Replaced (or dead): only the newest pair of an account + tokenCreator verifies.
                // Its place in MaxLivePairs and its failed-verify count pass to the new pair.
                carriedFailures = _budget.CarriedFailures(_table[existing], nowTenths, out carriedSince);
                Remove(existing, releaseReservation: false);
            }
            else if (!TryReserve())
            {
                return new PendingIssue(IssueStatus.Full, default, 0);
            }

            OtpToken newToken;
            do
            {
                // 122 random bits make a repeat unreachable in practice; the check keeps tokens unique regardless.
                newToken = _store.NewTokenFor(this);
            }
            while (_byToken.Find((ulong)newToken.Value, (ulong)(newToken.Value >> 64)) >= 0);

            CodeGenerator.Write(codeType, otp[..otpLength]);

            int index = _table.Allocate();
            ref PairEntry entry = ref _table[index];
            entry.TokenLow = (ulong)newToken.Value;
            entry.TokenHigh = (ulong)(newToken.Value >> 64);
            entry.CreatorLow = creatorLow;
            entry.CreatorHigh = creatorHigh;
            entry.AccountId = accountId;
            entry.Deadline = deadline;
            entry.CreatedAt = nowTenths;
            entry.CreatorFailures = carriedFailures;
            entry.CreatorFailuresSince = carriedSince;
            entry.OtpLength = (byte)otpLength;
            entry.Code = PackedCode.FromStored(otp[..otpLength]);
            _byToken.Add(index);
            _byCreator.Add(index);
            if (deadline != long.MaxValue)
            {
                _wheel.Insert(index);
            }

            long commit = 0;
            if (_journal is not null)
            {
                long round = _journal.AppendIssued(entry, _store.ToWall(deadline), _store.ToWall(entry.CreatedAt * 100L), _store.ToWall(entry.CreatorFailuresSince * 100L));
                commit = MustWait(replacesLive ? DurableChange.Replaced : DurableChange.Other) ? round : 0;
            }

            return new PendingIssue(IssueStatus.Created, newToken, otpLength, commit);
        }
    }

    public PendingVerify Verify(int accountId, OtpToken token, ReadOnlySpan<byte> otp, Span<byte> matchedOtp, long now)
    {
        lock (_lock)
        {
            int index = _byToken.Find((ulong)token.Value, (ulong)(token.Value >> 64));
            if (index < 0)
            {
                return new PendingVerify(VerifyOutcome.Unknown, 0, ReadCommit());
            }

            ref PairEntry entry = ref _table[index];
            if (entry.AccountId != accountId)
            {
                return new PendingVerify(VerifyOutcome.Unknown, 0, ReadCommit());
            }

            if ((entry.Flags & PairFlags.Used) != 0)
            {
                return new PendingVerify(VerifyOutcome.Used, 0, ReadCommit());
            }

            if ((entry.Flags & PairFlags.Locked) != 0)
            {
                return new PendingVerify(VerifyOutcome.Locked, 0, ReadCommit());
            }

            if ((entry.Flags & PairFlags.Expired) != 0 || now >= entry.Deadline)
            {
                return new PendingVerify(VerifyOutcome.Expired, 0, ReadCommit());
            }

            // Spent: nothing is compared, so an answer cannot leak whether this guess was right.
            int nowTenths = (int)(now / 100);
            if (_budget.IsSpent(entry, nowTenths))
            {
                return new PendingVerify(VerifyOutcome.Locked, 0, ReadCommit());
            }

            // Either answer below changes the pair: refuse before comparing if it cannot be recorded.
            if (_journal is { CanAppend: false })
            {
                return new PendingVerify(VerifyOutcome.Unavailable, 0);
            }

            int length = entry.OtpLength;
            if (entry.CodeMatches(otp))
            {
                entry.Code.CopyTo(matchedOtp[..length]);
                entry.Flags |= PairFlags.Used;
                entry.CreatorFailures = 0;
                Bury(index, now + _tombstoneMs);
                return new PendingVerify(VerifyOutcome.Verified, length, RecordState(ref entry, DurableChange.ConsumedOrLocked));
            }

            // Spending the creator's budget locks the creator out: in safe mode it waits for the disk like a lock.
            DurableChange change = DurableChange.Other;
            if (_budget.CountFailure(ref entry, nowTenths))
            {
                _store.CountBudgetSpent();
                change = DurableChange.ConsumedOrLocked;
            }
            if (++entry.WrongAttempts >= _maxAttempts)
            {
                entry.Flags |= PairFlags.Locked;
                Bury(index, now + _tombstoneMs);
                change = DurableChange.ConsumedOrLocked;
            }

            return new PendingVerify(VerifyOutcome.Mismatch, 0, RecordState(ref entry, change));
        }
    }

    /// <summary>Starts recording this shard's changes in <paramref name="journal"/>; once, before requests arrive.</summary>
    public void AttachJournal(JournalBuffer journal)
    {
        lock (_lock)
        {
            _journal = journal;
        }
    }

    /// <summary>Hands the journal writer every record appended so far; later ones belong to <paramref name="nextRound"/>.</summary>
    public void DrainJournal(JournalStaging staging, long nextRound)
    {
        lock (_lock)
        {
            _journal?.DrainInto(staging, nextRound);
        }
    }

    /// <summary>Applies a journaled Issued record: the pair replaces whatever its creator held (as a tombstone if it has expired since).</summary>
    public ReplayEffect ReplayIssued(in PairEntry saved, long now)
    {
        lock (_lock)
        {
            int existing = _byCreator.Find(saved.CreatorLow, saved.CreatorHigh);
            if (existing >= 0)
            {
                Remove(existing, releaseReservation: true);
            }

            existing = _byToken.Find(saved.TokenLow, saved.TokenHigh);
            if (existing >= 0)
            {
                Remove(existing, releaseReservation: true);
            }

            return Insert(saved, now, keepDue: true);
        }
    }

    /// <summary>Applies a journaled State record to the pair of <paramref name="token"/>, if the store still holds it.</summary>
    /// <param name="deadline">The pair's deadline, or for a dead pair the time its tombstone is reclaimed.</param>
    public ReplayEffect ReplayState(UInt128 token, int wrongAttempts, PairFlags flags, long deadline, int creatorFailures, int creatorFailuresSince, long now)
    {
        lock (_lock)
        {
            int index = _byToken.Find((ulong)token, (ulong)(token >> 64));
            if (index < 0)
            {
                return ReplayEffect.Ignored;
            }

            PairEntry saved = _table[index];
            saved.WrongAttempts = (ushort)Math.Min(wrongAttempts, ushort.MaxValue);
            saved.Flags = (saved.Flags & ~PairFlags.Dead) | (flags & PairFlags.Dead);
            saved.Deadline = deadline;
            saved.CreatorFailures = (ushort)Math.Min(creatorFailures, ushort.MaxValue);
            saved.CreatorFailuresSince = creatorFailuresSince;
            Remove(index, releaseReservation: true);
            return Insert(saved, now, keepDue: true);
        }
    }

    /// <summary>The time at which this shard's oldest tombstone is due to be reclaimed; <see cref="long.MaxValue"/> when it has none.</summary>
    public long OldestTombstoneDue()
    {
        lock (_lock)
        {
            int oldest = _tombstones.Oldest;
            return oldest < 0 ? long.MaxValue : _table[oldest].Deadline;
        }
    }

    /// <summary>Reclaims this shard's oldest tombstone at once, freeing its place in MaxLivePairs.</summary>
    /// <returns>False when the shard holds no tombstone.</returns>
    public bool GiveWayOldestTombstone()
    {
        lock (_lock)
        {
            int oldest = _tombstones.Oldest;
            if (oldest < 0)
            {
                return false;
            }

            // The place freed is for the issuer in whatever shard asked: back to the store, not this reserve.
            Remove(oldest, releaseReservation: true);
            ReturnReserveLocked();
            return true;
        }
    }

    /// <summary>Reclaims due entries without ever waiting for the lock: a busy shard is skipped this round.</summary>
    /// <returns>False when work remains (budget spent or the lock was busy).</returns>
    public bool TryAdvance(long now, ref int budget)
    {
        if (!_lock.TryEnter())
        {
            return false;
        }

        try
        {
            return _wheel.Advance(now, ref budget, this);
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>Hands every entry to <paramref name="visit"/> under the lock (for snapshots).</summary>
    public void Export<TVisitor>(ref TVisitor visit)
        where TVisitor : struct, IPairVisitor
    {
        lock (_lock)
        {
            for (int i = 0; i < _table.HighWater; i++)
            {
                ref PairEntry entry = ref _table[i];
                if ((entry.Flags & PairFlags.Allocated) != 0)
                {
                    visit.Visit(in entry);
                }
            }
        }
    }

    /// <summary>Puts back an entry read from a snapshot, as a tombstone if it expired meanwhile.</summary>
    public ReplayEffect Restore(in PairEntry saved, long now)
    {
        lock (_lock)
        {
            return Insert(saved, now, keepDue: false);
        }
    }

    // The wheel has already unlinked the entry (and cleared InWheel). A live pair whose deadline
    // passed becomes an expired tombstone; a tombstone whose time is up is reclaimed.
    void IExpiryHandler.OnExpired(int index, long nowMs)
    {
        if (_table[index].IsDead || !BuryExpired(index, nowMs))
        {
            Remove(index, releaseReservation: true);
        }
    }

    private void Remove(int index, bool releaseReservation)
    {
        if ((_table[index].Flags & PairFlags.InWheel) != 0)
        {
            _wheel.Remove(index);
        }

        if (_table[index].IsDead)
        {
            _tombstones.Remove(index);
        }

        _byToken.Remove(index);
        _byCreator.Remove(index);
        _table.Free(index);
        if (releaseReservation)
        {
            Release();
        }
    }

    /// <summary>Gives every place this shard holds in reserve back to the store (a full store asks before it refuses).</summary>
    /// <returns>True when it held any.</returns>
    public bool ReturnReserve()
    {
        lock (_lock)
        {
            return ReturnReserveLocked();
        }
    }

    private bool ReturnReserveLocked()
    {
        if (_reserve == 0)
        {
            return false;
        }

        _store.ReturnPlaces(_reserve);
        _reserve = 0;
        return true;
    }

    // A place in MaxLivePairs for a new pair. The store's count is shared by every shard, so a
    // shard takes places a chunk at a time and spends them under its own lock: the shared cache
    // line is written once per chunk instead of once per pair. The bound stays exact: the store
    // never hands out more than MaxLivePairs places, reserves included.
    private bool TryReserve()
    {
        if (_reserve == 0)
        {
            _reserve = _store.TakePlaces();
            if (_reserve == 0)
            {
                return false;
            }
        }

        _reserve--;
        return true;
    }

    // A place freed goes to the reserve; beyond two chunks the surplus goes back to the store.
    private void Release()
    {
        int chunk = _store.ReserveChunk;
        if (++_reserve > 2 * chunk)
        {
            _store.ReturnPlaces(_reserve - chunk);
            _reserve = chunk;
        }
    }

    // A saved entry (snapshot or journal) whose times are already store milliseconds: a live pair
    // past its deadline comes back as an expired tombstone, a tombstone past its time not at all,
    // unless keepDue: journal replay keeps it for a later record of the same pair, and the
    // wheel's next advance reclaims what is still due after the replay.
    private ReplayEffect Insert(in PairEntry saved, long now, bool keepDue)
    {
        bool dead = saved.IsDead;
        if (!keepDue && (dead ? saved.Deadline <= now : saved.Deadline <= now && ExpiredTombstoneDue(saved) <= now))
        {
            return ReplayEffect.Expired;
        }

        if (!TryReserve())
        {
            return ReplayEffect.Refused;
        }

        int index = _table.Allocate();
        ref PairEntry entry = ref _table[index];
        entry = saved;
        entry.Flags = (saved.Flags & PairFlags.Dead) | PairFlags.Allocated;
        entry.WheelPrev = entry.WheelNext = entry.NextByToken = entry.NextByCreator = 0;
        _byToken.Add(index);
        _byCreator.Add(index);
        if (dead)
        {
            _tombstones.Append(index);
            _wheel.Insert(index);
        }
        else if (entry.Deadline <= now)
        {
            entry.Flags |= PairFlags.Expired;
            Bury(index, ExpiredTombstoneDue(entry));
        }
        else if (entry.Deadline != long.MaxValue)
        {
            _wheel.Insert(index);
        }

        return ReplayEffect.Applied;
    }

    // Marks a live entry whose deadline has passed as expired and keeps it; false when even its
    // tombstone is already due (the caller then reclaims it).
    private bool BuryExpired(int index, long now)
    {
        ref PairEntry entry = ref _table[index];
        long due = ExpiredTombstoneDue(entry);
        if (due <= now)
        {
            return false;
        }

        entry.Flags |= PairFlags.Expired;
        Bury(index, due);
        return true;
    }

    // As Bury keeps it: the tombstone time after the deadline, or longer while its failed-verify count holds.
    private long ExpiredTombstoneDue(in PairEntry entry) => Math.Max(entry.Deadline + _tombstoneMs, _budget.KeepUntilMs(entry));

    // A used, locked or expired pair is kept until reclaimAt, so that a repeated verify can tell why
    // it fails, and as long as its failed-verify count must hold; it leaves the store even when
    // it had no expiry.
    private void Bury(int index, long reclaimAt)
    {
        ref PairEntry entry = ref _table[index];
        if ((entry.Flags & PairFlags.InWheel) != 0)
        {
            _wheel.Remove(index);
        }

        entry.Deadline = Math.Max(reclaimAt, _budget.KeepUntilMs(entry));
        _wheel.Insert(index);
        _tombstones.Append(index);
    }

    private long RecordState(ref PairEntry entry, DurableChange change)
    {
        if (_journal is null)
        {
            return 0;
        }

        long round = _journal.AppendState(entry, _store.ToWall(entry.Deadline), _store.ToWall(entry.CreatorFailuresSince * 100L));
        return MustWait(change) ? round : 0;
    }

    // Which answers wait for their own record (see DurabilityMode).
    private bool MustWait(DurableChange change) => _journal!.Mode switch
    {
        DurabilityMode.Strict => true,
        DurabilityMode.Safe => change != DurableChange.Other,
        _ => false,
    };

    // In strict mode an answer that only read the shard still waits for the records it read
    // (a pair returned again, a "used" whose consume is still on its way to the disk).
    private long ReadCommit() => _journal is { Mode: DurabilityMode.Strict } journal ? journal.LastRound : 0;

    private static OtpToken TokenOf(ref PairEntry entry) => new(new UInt128(entry.TokenHigh, entry.TokenLow));
}
