namespace OtpFast.Core.Tests.Codes;

/// <summary>Pearson's chi-square goodness-of-fit test against the uniform distribution.</summary>
internal static class ChiSquare
{
    /// <summary>Critical values at alpha = 0.001 for the alphabet sizes minus one.</summary>
    public static double CriticalAt0001(int degreesOfFreedom) => degreesOfFreedom switch
    {
        9 => 27.877,
        25 => 52.620,
        35 => 66.619,
        _ => throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom)),
    };

    public static double Statistic(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (long c in counts)
        {
            total += c;
        }

        double expected = (double)total / counts.Length;
        double sum = 0;
        foreach (long c in counts)
        {
            double d = c - expected;
            sum += d * d / expected;
        }

        return sum;
    }

    public static bool IsUniform(ReadOnlySpan<long> counts) => Statistic(counts) < CriticalAt0001(counts.Length - 1);
}
