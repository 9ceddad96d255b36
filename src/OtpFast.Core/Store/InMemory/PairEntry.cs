using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OtpFast.Core.Store.InMemory;

/// <summary>One token-OTP pair as the store keeps it: 88 bytes, no references.</summary>
/// <remarks>
/// Both lookup keys are fixed-size 128-bit values held as two <c>ulong</c>s (a <c>UInt128</c>
/// field would force 16-byte alignment and pad the struct). All links are entry index + 1 so
/// that a zeroed entry links nowhere. Free entries reuse <see cref="NextByToken"/> as the free list;
/// tombstones (used, locked, expired) no longer need their code, so it is wiped and
/// <see cref="Otp"/> holds their place in the shard's <see cref="TombstoneList"/> instead.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct PairEntry
{
    public ulong TokenLow;
    public ulong TokenHigh;
    public ulong CreatorLow;
    public ulong CreatorHigh;

    /// <summary>Store milliseconds at which the pair stops verifying; <see cref="long.MaxValue"/> = never.</summary>
    public long Deadline;

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
    public OtpBuffer Otp;

    /// <summary>Wrong codes so far: 16 bits, so every MaxVerifyAttempts the settings accept (up to 1000) can be reached without wrapping.</summary>
    public ushort WrongAttempts;

    /// <summary>
    /// Failed verifies of this account + tokenCreator in the current window, across its pairs: a
    /// new pair takes it over from the one it replaces (see <see cref="FailedVerifyBudget"/>).
    /// </summary>
    public ushort CreatorFailures;
    public byte OtpLength;
    public PairFlags Flags;

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

/// <summary>The code stored inline in the entry (up to 12 ASCII bytes).</summary>
[InlineArray(12)]
internal struct OtpBuffer
{
    private byte _first;
}
