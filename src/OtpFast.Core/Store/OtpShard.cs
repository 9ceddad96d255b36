using System.Security.Cryptography;
using OtpFast.Core.Codes;
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
            if (existing >= 0)
            {
                ref PairEntry old = ref _table[existing];
                if (!reCreate && old.IsLive(now))
                {
                    int length = old.OtpLength;
                    ReadOnlySpan<byte> stored = old.Otp;
                    stored[..length].CopyTo(otp);
                    return new IssueResult(IssueStatus.Existing, TokenOf(ref old), length);
                }

                if (cooldownTenths > 0 && (now / 100) - old.CreatedAt < cooldownTenths)
                {
                    return new IssueResult(IssueStatus.CoolingDown, default, 0);
                }

                // Replaced (or dead): only the newest pair of an account + tokenCreator verifies.
                Release(existing);
            }

            if (!_store.TryReserve())
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

            return new IssueResult(IssueStatus.Created, newToken, otpLength);
        }
    }

    public VerifyResult Verify(int accountId, OtpToken token, ReadOnlySpan<byte> otp, Span<byte> matchedOtp, int maxAttempts, long tombstoneMs, long now)
    {
        lock (_lock)
        {
            int index = _byToken.Find((ulong)token.Value, (ulong)(token.Value >> 64));
            if (index < 0)
            {
                return new VerifyResult(VerifyOutcome.Unknown, 0);
            }

            ref PairEntry entry = ref _table[index];
            if (entry.AccountId != accountId)
            {
                return new VerifyResult(VerifyOutcome.Unknown, 0);
            }

            if ((entry.Flags & PairFlags.Used) != 0)
            {
                return new VerifyResult(VerifyOutcome.Used, 0);
            }

            if ((entry.Flags & PairFlags.Locked) != 0)
            {
                return new VerifyResult(VerifyOutcome.Locked, 0);
            }

            if (now >= entry.Deadline)
            {
                return new VerifyResult(VerifyOutcome.Expired, 0);
            }

            int length = entry.OtpLength;
            ReadOnlySpan<byte> stored = entry.Otp;
            stored = stored[..length];
            if (MatchesIgnoringCase(stored, otp))
            {
                stored.CopyTo(matchedOtp);
                entry.Flags |= PairFlags.Used;
                KeepAsTombstone(index, tombstoneMs, now);
                return new VerifyResult(VerifyOutcome.Verified, length);
            }

            if (++entry.WrongAttempts >= maxAttempts)
            {
                entry.Flags |= PairFlags.Locked;
                KeepAsTombstone(index, tombstoneMs, now);
            }

            return new VerifyResult(VerifyOutcome.Mismatch, 0);
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
    }

    void IExpiryHandler.OnExpired(int index)
    {
        // Already unlinked from the wheel by the wheel itself.
        _byToken.Remove(index);
        _byCreator.Remove(index);
        _table.Free(index);
        _store.ReleaseReservation();
    }

    private void Release(int index)
    {
        if ((_table[index].Flags & PairFlags.InWheel) != 0)
        {
            _wheel.Remove(index);
        }

        ((IExpiryHandler)this).OnExpired(index);
    }

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
