using System.Threading.Tasks.Sources;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// Answers waiting for a writer round to reach the disk. Waiters are pooled
/// <see cref="IValueTaskSource{TResult}"/>s, so a wait allocates nothing once warmed up; their
/// continuations run on the thread pool, never on the writer thread.
/// </summary>
internal sealed class CommitWaiters
{
    private const int MaxPooled = 4096;

    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiting = new(256);
    private readonly Stack<Waiter> _pool = new();
    private long _durableRound;
    private bool _closed;

    /// <summary>The newest round known to be on disk.</summary>
    public long DurableRound => Volatile.Read(ref _durableRound);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>True once <paramref name="round"/> is on disk; false when <paramref name="deadline"/> (a timestamp) passes first.</summary>
    /// <param name="registered">Set when the caller must wake the writer.</param>
    public ValueTask<bool> WaitAsync(long round, long deadline, out bool registered)
    {
        registered = false;
        if (round <= DurableRound)
        {
            return new ValueTask<bool>(true);
        }

        Waiter waiter;
        lock (_lock)
        {
            if (round <= _durableRound)
            {
                return new ValueTask<bool>(true);
            }

            if (_closed)
            {
                // The writer has stopped: nothing will make this round durable.
                return new ValueTask<bool>(false);
            }

            waiter = _pool.Count > 0 ? _pool.Pop() : new Waiter(this);
            waiter.Round = round;
            waiter.Deadline = deadline;
            _waiting.Add(waiter);
        }

        registered = true;
        return new ValueTask<bool>(waiter, waiter.Version);
    }

    /// <summary>Completes every waiter of <paramref name="round"/> or earlier with true.</summary>
    public void Durable(long round)
    {
        lock (_lock)
        {
            Volatile.Write(ref _durableRound, round);
            CompleteWhere(round, long.MinValue, true);
        }
    }

    /// <summary>Completes with false every waiter whose deadline has passed (the disk is not taking writes).</summary>
    public void Expire(long now)
    {
        lock (_lock)
        {
            CompleteWhere(long.MinValue, now, false);
        }
    }

    /// <summary>Completes every waiter with <paramref name="result"/> and refuses later waits (the writer has stopped).</summary>
    public void Close(bool result)
    {
        lock (_lock)
        {
            _closed = true;
            CompleteWhere(long.MaxValue, long.MaxValue, result);
        }
    }

    // Under the lock: every waiter whose round is at most maxRound, or whose deadline is at most
    // maxDeadline, leaves the list with result.
    private void CompleteWhere(long maxRound, long maxDeadline, bool result)
    {
        for (int i = _waiting.Count - 1; i >= 0; i--)
        {
            Waiter w = _waiting[i];
            if (w.Round <= maxRound || w.Deadline <= maxDeadline)
            {
                RemoveAt(i);
                w.Complete(result);
            }
        }
    }

    private void RemoveAt(int i)
    {
        int last = _waiting.Count - 1;
        _waiting[i] = _waiting[last];
        _waiting.RemoveAt(last);
    }

    private void Return(Waiter waiter)
    {
        lock (_lock)
        {
            if (_pool.Count < MaxPooled)
            {
                _pool.Push(waiter);
            }
        }
    }

    private sealed class Waiter : IValueTaskSource<bool>
    {
        private readonly CommitWaiters _owner;
        private ManualResetValueTaskSourceCore<bool> _core;

        public Waiter(CommitWaiters owner)
        {
            _owner = owner;
            _core.RunContinuationsAsynchronously = true;
        }

        public long Round { get; set; }

        public long Deadline { get; set; }

        public short Version => _core.Version;

        public void Complete(bool result) => _core.SetResult(result);

        public bool GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _owner.Return(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
