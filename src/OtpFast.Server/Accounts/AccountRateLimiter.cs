using System.Collections.Concurrent;
using OtpFast.Core.Accounts;

namespace OtpFast.Server.Accounts;

/// <summary>
/// Per-account request rate (API code 429): a <see cref="RateCell"/> per account, allowing a
/// second's worth at once and then exactly the rate. The rate comes from the account's entry,
/// else the server's default; 0 = unlimited. With a shared store the rate holds for the whole
/// deployment: each node allows its share, the rate divided by the nodes alive (see
/// <see cref="NodeCount"/> and "Running several nodes" in the README).
/// </summary>
internal sealed class AccountRateLimiter
{
    private readonly int _defaultRate;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly double _secondsPerTick;
    private readonly NodeCount _nodes;
    private readonly ConcurrentDictionary<int, RateCell> _cells = new();

    public AccountRateLimiter(int defaultRatePerSecond, TimeProvider time, NodeCount? nodes = null)
    {
        _defaultRate = defaultRatePerSecond;
        _nodes = nodes ?? new NodeCount();
        _time = time;
        _origin = time.GetTimestamp();
        _secondsPerTick = 1.0 / time.TimestampFrequency;
    }

    /// <summary>Takes one request from the account's budget; false when it is spent.</summary>
    public bool TryAcquire(Account account)
    {
        int accountRate = account.RatePerSecond ?? _defaultRate;
        if (accountRate == 0)
        {
            return true;
        }

        double rate = (double)accountRate / _nodes.Current;
        if (!_cells.TryGetValue(account.Id, out RateCell? cell) || cell.Rate != rate)
        {
            // A new account, a rate changed by a reload, or a node joined or left: a fresh budget (the only allocation here).
            cell = _cells.AddOrUpdate(account.Id, static (_, r) => new RateCell(r), static (_, old, r) => old.Rate == r ? old : new RateCell(r), rate);
        }

        return cell.TryTake((_time.GetTimestamp() - _origin) * _secondsPerTick);
    }
}
