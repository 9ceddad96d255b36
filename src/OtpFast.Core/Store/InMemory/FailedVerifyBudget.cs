namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// How many wrong codes one account + tokenCreator may send in a window, across all its pairs.
/// </summary>
/// <remarks>
/// The per-pair limit (MaxVerifyAttempts) alone lets an end user ask for a new pair after each
/// lock and guess again forever. The count lives in the pair entry and passes to the pair that
/// replaces it, so it costs no lookup: the request path already holds the entry. The window is
/// fixed from the first failure it counts; once it holds <see cref="Max"/> failures, verifies of
/// that creator answer locked without comparing and new pairs are refused until it passes.
/// A correct code clears the count (the limit is on failures in a row, as NIST SP 800-63B counts them).
/// </remarks>
internal readonly struct FailedVerifyBudget(int max, int windowTenths)
{
    /// <summary>Failures allowed per window; 0 turns the budget off.</summary>
    public int Max { get; } = max;

    public int WindowTenths { get; } = windowTenths;

    public bool IsSpent(in PairEntry entry, int nowTenths) =>
        Max > 0 && entry.CreatorFailures >= Max && InWindow(entry, nowTenths);

    /// <summary>Counts one wrong code, opening a new window when the last one has passed.</summary>
    /// <returns>True when this failure spent the budget.</returns>
    public bool CountFailure(ref PairEntry entry, int nowTenths)
    {
        if (Max == 0)
        {
            return false;
        }

        if (entry.CreatorFailures == 0 || !InWindow(entry, nowTenths))
        {
            entry.CreatorFailures = 1;
            entry.CreatorFailuresSince = nowTenths;
        }
        else if (entry.CreatorFailures < ushort.MaxValue)
        {
            entry.CreatorFailures++;
        }

        return entry.CreatorFailures == Max;
    }

    /// <summary>The count a pair being replaced passes to its successor: 0 once its window has passed.</summary>
    public ushort CarriedFailures(in PairEntry from, int nowTenths, out int since)
    {
        since = from.CreatorFailuresSince;
        return from.CreatorFailures != 0 && InWindow(from, nowTenths) ? from.CreatorFailures : (ushort)0;
    }

    /// <summary>The store millisecond until which the entry must be kept for its count to hold (<see cref="long.MinValue"/>: no count).</summary>
    public long KeepUntilMs(in PairEntry entry) =>
        Max == 0 || entry.CreatorFailures == 0 ? long.MinValue : ((long)entry.CreatorFailuresSince + WindowTenths) * 100;

    private bool InWindow(in PairEntry entry, int nowTenths) => (long)nowTenths - entry.CreatorFailuresSince < WindowTenths;
}
