using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using OtpFast.Core.Accounts;

namespace OtpFast.Server.Accounts;

/// <summary>
/// Per-account request rate (API code 429): a token bucket per account from
/// System.Threading.RateLimiting, holding one second's worth of requests and refilled every
/// 100 ms. The rate comes from the account's entry, else the server's default; 0 = unlimited.
/// </summary>
internal sealed class AccountRateLimiter : IDisposable
{
    private readonly int _defaultRate;
    private readonly ConcurrentDictionary<int, (int Rate, TokenBucketRateLimiter Limiter)> _limiters = new();
    private readonly List<TokenBucketRateLimiter> _created = [];
    private readonly Lock _lock = new();

    public AccountRateLimiter(int defaultRatePerSecond) => _defaultRate = defaultRatePerSecond;

    /// <summary>Takes one request from the account's budget; false when it is spent.</summary>
    public bool TryAcquire(Account account)
    {
        int rate = account.RatePerSecond ?? _defaultRate;
        if (rate == 0)
        {
            return true;
        }

        if (!_limiters.TryGetValue(account.Id, out var entry) || entry.Rate != rate)
        {
            entry = Replace(account.Id, rate);
        }

        using RateLimitLease lease = entry.Limiter.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (TokenBucketRateLimiter limiter in _created)
            {
                limiter.Dispose();
            }
        }
    }

    // A new account, or a rate changed by a reload, gets a fresh bucket. A replaced bucket is
    // not disposed until shutdown: a request may still be acquiring from it.
    private (int Rate, TokenBucketRateLimiter Limiter) Replace(int accountId, int rate)
    {
        lock (_lock)
        {
            if (_limiters.TryGetValue(accountId, out var current) && current.Rate == rate)
            {
                return current;
            }

            var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = rate,
                TokensPerPeriod = Math.Max(1, rate / 10),
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
            _created.Add(limiter);
            return _limiters[accountId] = (rate, limiter);
        }
    }
}
