using System.Numerics;

namespace OtpFast.Core.Concurrency;

/// <summary>
/// Picks the stripe of a value counted per core: a count that every request adds to is split
/// into one cache line per core, each added to by the threads running there and summed when
/// read, so cores do not pass one line back and forth.
/// </summary>
public static class Stripes
{
    /// <summary>Stripes per value: the processor count rounded up to a power of two, at most 64.</summary>
    public static readonly int Count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));

    /// <summary>
    /// The calling thread's stripe: the core it last ran on. A thread may move before it writes,
    /// so stripes are still written with Interlocked; what this saves is the sharing, not the atomics.
    /// </summary>
    public static int Current => Thread.GetCurrentProcessorId() & (Count - 1);
}
