using System.Runtime.InteropServices;

namespace OtpFast.Core.Store.InMemory;

/// <summary>One token-OTP pair as the store keeps it: 80 bytes, no references.</summary>
/// <remarks>
/// Both lookup keys are fixed-size 128-bit values held as two <c>ulong</c>s (a <c>UInt128</c>
/// field would force 16-byte alignment and pad the struct). All links are entry index + 1 so
/// that a zeroed entry links nowhere. Free entries reuse <see cref="NextByToken"/> as the free list;
/// tombstones (used, locked, expired) no longer need their code, so it is wiped and
/// <see cref="Code"/> holds their place in the shard's <see cref="TombstoneList"/> instead.
/// <para>
/// Every pair costs this, so it is packed to 80 bytes (it was 86, padded to 88): the code is one
/// base-36 number (<see cref="PackedCode"/>, 8 bytes for 12 ASCII bytes), and the flags and the
/// code length share a word with the deadline (<see cref="_deadlineAndState"/>). The counters and
/// times keep their own fields: they are read and written on every verify, and none has spare bits
/// for every setting the options accept. A test pins the size.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct PairEntry
{
    // Bits 0-7 the flags, 8-11 the code length, 12-63 the deadline, signed: 2^51 ms is over 71,000
    // years either way of the store's start, beyond any deadline the store makes (MaxSupportedExpirySeconds
    // is 10 years; a tombstone time is a TimeSpan, under 30,000 years). The length is here rather
    // than in the code's word because a tombstone's code word holds its links, and snapshots still
    // write a tombstone's length.
    private const int LengthShift = 8;
    private const int DeadlineShift = 12;
    private const long StateMask = (1L << DeadlineShift) - 1;
    private const long NeverStored = (1L << (63 - DeadlineShift)) - 1;
    private const long EarliestStored = -(1L << (63 - DeadlineShift));

    public ulong TokenLow;
    public ulong TokenHigh;
    public ulong CreatorLow;
    public ulong CreatorHigh;

    private long _deadlineAndState;

    /// <summary>The code, or for a tombstone its <see cref="TombstoneList"/> links.</summary>
    public PackedCode Code;

    /// <summary>Previous entry in the wheel slot (index + 1), or -(slot + 1) when first in its slot.</summary>
    public int WheelPrev;

    /// <summary>Next entry in the wheel slot (index + 1), 0 at the end.</summary>
    public int WheelNext;

    public int NextByToken;
    public int NextByCreator;
    public int AccountId;

    /// <summary>Store time of creation in tenths of a second (for the resend cooldown).</summary>
    public int CreatedAt;

    /// <summary>Store time, in tenths of a second, of the first failure counted in <see cref="CreatorFailures"/>.</summary>
    public int CreatorFailuresSince;

    /// <summary>Wrong codes so far: 16 bits, so every MaxVerifyAttempts the settings accept (up to 1000) can be reached without wrapping.</summary>
    public ushort WrongAttempts;

    /// <summary>
    /// Failed verifies of this account + tokenCreator in the current window, across its pairs: a
    /// new pair takes it over from the one it replaces (see <see cref="FailedVerifyBudget"/>).
    /// </summary>
    public ushort CreatorFailures;

    /// <summary>Store milliseconds at which the pair stops verifying; <see cref="long.MaxValue"/> = never.</summary>
    /// <remarks>
    /// "Never" stays its own value. A finite deadline beyond the 52 bits is held at the nearest one
    /// that fits (still finite, still on the same side of every store time), never turned into "never".
    /// </remarks>
    public long Deadline
    {
        readonly get
        {
            long stored = _deadlineAndState >> DeadlineShift;
            return stored == NeverStored ? long.MaxValue : stored;
        }

        set
        {
            long stored = value == long.MaxValue ? NeverStored : Math.Clamp(value, EarliestStored, NeverStored - 1);
            _deadlineAndState = (stored << DeadlineShift) | (_deadlineAndState & StateMask);
        }
    }

    /// <summary>The code's length in symbols (at most <see cref="Codes.CodeAlphabet.MaxLength"/>); kept by tombstones too.</summary>
    public byte OtpLength
    {
        readonly get => (byte)((_deadlineAndState >> LengthShift) & 0xF);
        set => _deadlineAndState = (_deadlineAndState & ~(0xFL << LengthShift)) | ((long)(value & 0xF) << LengthShift);
    }

    public PairFlags Flags
    {
        readonly get => (PairFlags)(byte)_deadlineAndState;
        set => _deadlineAndState = (_deadlineAndState & ~0xFFL) | (byte)value;
    }

    /// <summary>Whether <paramref name="sent"/> is this pair's code, letters in either case.</summary>
    /// <remarks>
    /// Constant time in the content: the sent code is packed without a branch on its bytes and
    /// compared with the stored one in a single 64-bit comparison. Only the length (which the
    /// caller chose when requesting the code) can end it early; it must be compared, as packing
    /// drops leading zeros ("0123" and "123" are the same number).
    /// </remarks>
    public readonly bool CodeMatches(ReadOnlySpan<byte> sent) => sent.Length == OtpLength && Code.Matches(PackedCode.FromSent(sent));

    /// <summary>Neither used, locked nor expired, and before its deadline.</summary>
    public readonly bool IsLive(long now) => (Flags & PairFlags.Dead) == 0 && now < Deadline;

    /// <summary>A tombstone: kept only to say why a verify fails; its <see cref="Deadline"/> is when it is reclaimed.</summary>
    public readonly bool IsDead => (Flags & PairFlags.Dead) != 0;
}

[Flags]
internal enum PairFlags : byte
{
    None = 0,
    Allocated = 1,
    InWheel = 2,
    Used = 4,
    Locked = 8,

    /// <summary>The deadline passed: the entry is kept as a tombstone so a late verify hears "expired".</summary>
    Expired = 16,

    /// <summary>Any of the three ends of a pair; the flags that persist.</summary>
    Dead = Used | Locked | Expired,
}
