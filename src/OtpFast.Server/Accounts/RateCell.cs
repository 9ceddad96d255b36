namespace OtpFast.Server.Accounts;

/// <summary>
/// One account's request budget: the generic cell rate algorithm (the token bucket's exact
/// twin) on a single "theoretical arrival time", taken with one compare-and-swap.
/// </summary>
/// <remarks>
/// A request is allowed when it arrives no earlier than its turn minus the burst tolerance; each
/// allowed request moves the turn on by one emission interval (1/rate s). So after an idle
/// second a full second's worth may come at once (the burst), then exactly the rate: over any
/// span t, at most <c>rate + rate * t</c> requests, for every rate from 1/s up (a bucket refilled
/// in 100 ms steps of max(1, rate/10) could not express rates under 10/s, nor 15/s). Times are
/// seconds as doubles since the limiter's origin: an interval of 1/rate has no integer rounding
/// (integer ticks per request drift by up to one tick each), and a year of uptime still
/// resolves nanoseconds.
/// </remarks>
internal sealed class RateCell
{
    private readonly double _interval;
    private readonly double _tolerance;
    private double _turn = double.NegativeInfinity;

    /// <param name="ratePerSecond">May be fractional: a node's share of an account's rate (2 nodes, 5/s: 2.5/s each).</param>
    public RateCell(double ratePerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        Rate = ratePerSecond;
        _interval = 1.0 / ratePerSecond;

        // A sliver of slack (1/64 interval) absorbs the rounding of up to a second's worth of
        // additions of 1/rate, which could otherwise refuse the last request of a burst.
        _tolerance = (Math.Max(0, ratePerSecond - 1) * _interval) + (_interval / 64);
    }

    /// <summary>Requests per second, with a burst of one second's worth.</summary>
    public double Rate { get; }

    /// <summary>Takes one request at <paramref name="now"/> (seconds since the limiter's origin); false when the budget is spent.</summary>
    public bool TryTake(double now)
    {
        while (true)
        {
            double turn = Volatile.Read(ref _turn);
            double start = Math.Max(turn, now);
            if (start - now > _tolerance)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _turn, start + _interval, turn).Equals(turn))
            {
                return true;
            }
        }
    }
}
