using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OtpFast.Core.Store;

/// <summary>One token-OTP pair as the store keeps it: 80 bytes, no references.</summary>
/// <remarks>
/// Both lookup keys are fixed-size 128-bit values held as two <c>ulong</c>s (a <c>UInt128</c>
/// field would force 16-byte alignment and pad the struct). All links are entry index + 1 so
/// that a zeroed entry links nowhere. Free entries reuse <see cref="NextByToken"/> as the free list.
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
    public OtpBuffer Otp;

    /// <summary>Wrong codes so far: 16 bits, so every MaxVerifyAttempts the settings accept (up to 1000) can be reached without wrapping.</summary>
    public ushort WrongAttempts;
    public byte OtpLength;
    public PairFlags Flags;

    public readonly bool IsLive(long now) => (Flags & (PairFlags.Used | PairFlags.Locked)) == 0 && now < Deadline;
}

[Flags]
internal enum PairFlags : byte
{
    None = 0,
    Allocated = 1,
    InWheel = 2,
    Used = 4,
    Locked = 8,
}

/// <summary>The code stored inline in the entry (up to 12 ASCII bytes).</summary>
[InlineArray(12)]
internal struct OtpBuffer
{
    private byte _first;
}
