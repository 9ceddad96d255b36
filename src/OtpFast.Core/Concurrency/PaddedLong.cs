using System.Runtime.InteropServices;

namespace OtpFast.Core.Concurrency;

/// <summary>
/// A <see cref="long"/> with 64 bytes of nothing on either side, so no other field or array
/// element shares its cache line: a counter that many cores write does not slow down reads of
/// its neighbours (false sharing), and two such counters side by side do not contend.
/// </summary>
/// <remarks>128 bytes, not 64: Intel cores fetch lines in adjacent pairs.</remarks>
[StructLayout(LayoutKind.Explicit, Size = 128)]
#pragma warning disable CA1815 // A place to count in, never compared.
public struct PaddedLong
#pragma warning restore CA1815
{
#pragma warning disable SA1401, CA1051 // A field, so Interlocked and Volatile can take it by reference.
    [FieldOffset(64)]
    public long Value;
#pragma warning restore SA1401, CA1051
}
