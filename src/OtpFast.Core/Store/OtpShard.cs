using System.Security.Cryptography;
using OtpFast.Core.Codes;
using OtpFast.Core.Store.Journal;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store;

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
    private readonly ShardedOtpStore _store;

    // Set once, before the server takes requests; null when durability is off.
    private JournalBuffer? _journal;

    public OtpShard(ShardedOtpStore store, int index, long nowMs)
    {
        _store = store;
        Index = index;
        _byToken = new PairIndex<TokenKey>(_table);
        _byCreator = new PairIndex<CreatorKey>(_table);
        _wheel = new ExpiryWheel(_table, nowMs);
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
    /// <param name="cooldownTenths">Resend cooldown in tenths of a second; 0 = off.</param>
    public IssueResult Issue(int accountId, UInt128 creator, CodeType codeType, int otpLength, long deadline, bool reCreate, long now, int cooldownTenths, Span<byte> otp)
    {
        ulong creatorLow = (ulong)creator;
        ulong creatorHigh = (ulong)(creator >> 64);
        lock (_lock)
        {
            int existing = _byCreator.Find(creatorLow, creatorHigh);
            bool replacesLive = false;
            if (existing >= 0)
            {
                ref PairEntry old = ref _table[existing];
                if (!reCreate && old.IsLive(now))
                {
                    int length = old.OtpLength;
                    ReadOnlySpan<byte> stored = old.Otp;
                    stored[..length].CopyTo(otp);
                    return new IssueResult(IssueStatus.Existing, TokenOf(ref old), length, ReadCommit());
                }

                if (cooldownTenths > 0 && (now / 100) - old.CreatedAt < cooldownTenths)
                {
                    return new IssueResult(IssueStatus.CoolingDown, default, 0, ReadCommit());
                }

                replacesLive = old.IsLive(now);
            }

            if (_journal is { CanAppend: false })
            {
                return new IssueResult(IssueStatus.Unavailable, default, 0);
            }

            if (existing >= 0)
            {
                // Replaced (or dead): only the newest pair of an account + tokenCreator verifies.
                // Its place in MaxLivePairs passes to the new pair.
                Remove(existing, releaseReservation: false);
            }
            else if (!_store.TryReserve())
            {
                return new IssueResult(IssueStatus.Full, default, 0);
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
            entry.CreatedAt = (int)(now / 100);
            entry.OtpLength = (byte)otpLength;
            otp[..otpLength].CopyTo(entry.Otp);
            _byToken.Add(index);
            _byCreator.Add(index);
            if (deadline != long.MaxValue)
            {
                _wheel.Insert(index);
            }

            long commit = 0;
            if (_journal is not null)
            {
                long round = _journal.AppendIssued(entry, _store.ToWall(deadline), _store.ToWall(entry.CreatedAt * 100L));
                commit = MustWait(replacesLive ? DurableChange.Replaced : DurableChange.Other) ? round : 0;
            }

            return new IssueResult(IssueStatus.Created, newToken, otpLength, commit);
        }
    }

    public VerifyResult Verify(int accountId, OtpToken token, ReadOnlySpan<byte> otp, Span<byte> matchedOtp, int maxAttempts, long tombstoneMs, long now)
    {
        lock (_lock)
        {
            int index = _byToken.Find((ulong)token.Value, (ulong)(token.Value >> 64));
            if (index < 0)
            {
                return new VerifyResult(VerifyOutcome.Unknown, 0, ReadCommit());
            }

            ref PairEntry entry = ref _table[index];
            if (entry.AccountId != accountId)
            {
                return new VerifyResult(VerifyOutcome.Unknown, 0, ReadCommit());
            }

            if ((entry.Flags & PairFlags.Used) != 0)
            {
                return new VerifyResult(VerifyOutcome.Used, 0, ReadCommit());
            }

            if ((entry.Flags & PairFlags.Locked) != 0)
            {
                return new VerifyResult(VerifyOutcome.Locked, 0, ReadCommit());
            }

            if (now >= entry.Deadline)
            {
                return new VerifyResult(VerifyOutcome.Expired, 0, ReadCommit());
            }

            // Either answer below changes the pair: refuse before comparing if it cannot be recorded.
            if (_journal is { CanAppend: false })
            {
                return new VerifyResult(VerifyOutcome.Unavailable, 0);
            }

            int length = entry.OtpLength;
            ReadOnlySpan<byte> stored = entry.Otp;
            stored = stored[..length];
            if (MatchesIgnoringCase(stored, otp))
            {
                stored.CopyTo(matchedOtp);
                entry.Flags |= PairFlags.Used;
                KeepAsTombstone(index, tombstoneMs, now);
                return new VerifyResult(VerifyOutcome.Verified, length, RecordState(ref entry, DurableChange.ConsumedOrLocked));
            }

            DurableChange change = DurableChange.Other;
            if (++entry.WrongAttempts >= maxAttempts)
            {
                entry.Flags |= PairFlags.Locked;
                KeepAsTombstone(index, tombstoneMs, now);
                change = DurableChange.ConsumedOrLocked;
            }

            return new VerifyResult(VerifyOutcome.Mismatch, 0, RecordState(ref entry, change));
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

    /// <summary>Applies a journaled Issued record: the pair replaces whatever its creator held, unless it has expired since.</summary>
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

            if (saved.Deadline <= now)
            {
                return ReplayEffect.Expired;
            }

            return Insert(saved) ? ReplayEffect.Applied : ReplayEffect.Refused;
        }
    }

    /// <summary>Applies a journaled State record to the pair of <paramref name="token"/>, if the store still holds it.</summary>
    public ReplayEffect ReplayState(UInt128 token, int wrongAttempts, PairFlags flags, long deadline, long now)
    {
        lock (_lock)
        {
            int index = _byToken.Find((ulong)token, (ulong)(token >> 64));
            if (index < 0)
            {
                return ReplayEffect.Ignored;
            }

            if (deadline <= now)
            {
                Remove(index, releaseReservation: true);
                return ReplayEffect.Expired;
            }

            ref PairEntry entry = ref _table[index];
            entry.WrongAttempts = (ushort)Math.Min(wrongAttempts, ushort.MaxValue);
            entry.Flags = (entry.Flags & ~(PairFlags.Used | PairFlags.Locked)) | flags;
            if ((entry.Flags & PairFlags.InWheel) != 0)
            {
                _wheel.Remove(index);
            }

            entry.Deadline = deadline;
            if (deadline != long.MaxValue)
            {
                _wheel.Insert(index);
            }

            return ReplayEffect.Applied;
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

    /// <summary>Puts back an entry read from a snapshot; false when the store is full.</summary>
    public bool Restore(in PairEntry saved)
    {
        lock (_lock)
        {
            return Insert(saved);
        }
    }

    // The wheel has already unlinked the entry (and cleared InWheel), so Remove skips that step.
    void IExpiryHandler.OnExpired(int index) => Remove(index, releaseReservation: true);

    private void Remove(int index, bool releaseReservation)
    {
        if ((_table[index].Flags & PairFlags.InWheel) != 0)
        {
            _wheel.Remove(index);
        }

        _byToken.Remove(index);
        _byCreator.Remove(index);
        _table.Free(index);
        if (releaseReservation)
        {
            _store.ReleaseReservation();
        }
    }

    private bool Insert(in PairEntry saved)
    {
        if (!_store.TryReserve())
        {
            return false;
        }

        int index = _table.Allocate();
        ref PairEntry entry = ref _table[index];
        entry = saved;
        entry.Flags = (saved.Flags & (PairFlags.Used | PairFlags.Locked)) | PairFlags.Allocated;
        entry.WheelPrev = entry.WheelNext = entry.NextByToken = entry.NextByCreator = 0;
        _byToken.Add(index);
        _byCreator.Add(index);
        if (entry.Deadline != long.MaxValue)
        {
            _wheel.Insert(index);
        }

        return true;
    }

    private long RecordState(ref PairEntry entry, DurableChange change)
    {
        if (_journal is null)
        {
            return 0;
        }

        long round = _journal.AppendState(entry, _store.ToWall(entry.Deadline));
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

    // A consumed or locked pair stays briefly so that a repeat verify can tell why it fails;
    // it must still leave the store even when it had no expiry.
    private void KeepAsTombstone(int index, long tombstoneMs, long now)
    {
        ref PairEntry entry = ref _table[index];
        long until = now + tombstoneMs;
        if (until >= entry.Deadline)
        {
            return;
        }

        if ((entry.Flags & PairFlags.InWheel) != 0)
        {
            _wheel.Remove(index);
        }

        entry.Deadline = until;
        _wheel.Insert(index);
    }

    private static OtpToken TokenOf(ref PairEntry entry) => new(new UInt128(entry.TokenHigh, entry.TokenLow));

    // Constant time in the content: every byte is compared whatever the earlier ones held.
    // Only the length (which the caller chose when requesting the code) can end it early.
    private static bool MatchesIgnoringCase(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> given)
    {
        if (given.Length != stored.Length)
        {
            return false;
        }

        Span<byte> upper = stackalloc byte[Codes.CodeAlphabet.MaxLength];
        upper = upper[..given.Length];
        for (int i = 0; i < given.Length; i++)
        {
            int b = given[i];

            // Branch-free ASCII upper-casing: clears bit 5 only for a-z.
            int isLower = (((b - 'a') | ('z' - b)) >>> 31) ^ 1;
            upper[i] = (byte)(b & ~(isLower << 5));
        }

        return CryptographicOperations.FixedTimeEquals(stored, upper);
    }
}
