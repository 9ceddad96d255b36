namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// The one background thread per process that advances the expiry wheels of the registered stores.
/// </summary>
/// <remarks>
/// Shards are only try-entered, with a bounded number of entries per visit, so a request never
/// waits behind cleanup. While work remains (a mass expiry), the thread keeps going without
/// sleeping; once caught up it sleeps for the interval.
/// </remarks>
public sealed class ExpiryHeartbeat : IDisposable
{
    public const int DefaultBudgetPerShard = 1024;

    private readonly Lock _lock = new();
    private readonly List<ShardedOtpStore> _stores = [];
    private readonly TimeSpan _interval;
    private readonly int _budgetPerShard;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public ExpiryHeartbeat(TimeSpan interval, int budgetPerShard = DefaultBudgetPerShard)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetPerShard, 1);
        _interval = interval;
        _budgetPerShard = budgetPerShard;
        _thread = new Thread(Run) { IsBackground = true, Name = "otpfast-expiry" };
        _thread.Start();
    }

    public void Register(ShardedOtpStore store)
    {
        lock (_lock)
        {
            _stores.Add(store);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            bool caughtUp = true;
            lock (_lock)
            {
                foreach (ShardedOtpStore store in _stores)
                {
                    caughtUp &= store.AdvanceExpiry(_budgetPerShard);
                }
            }

            if (caughtUp)
            {
                stop.WaitHandle.WaitOne(_interval);
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
