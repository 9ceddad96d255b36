using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace OtpFast.Core.Store.Redis;

/// <summary>
/// Leases a node id (0 to 1023, for TransactionIdGenerator) from the shared store, so nodes
/// need no configured NodeId, and counts the nodes alive (for a per-account rate limit shared
/// as rate / <see cref="LiveNodes"/> per node).
/// </summary>
/// <remarks>
/// The lease is <c>SET prefix node:&lt;id&gt; &lt;instance&gt; NX PX 30000</c>, renewed every 10 s by a
/// script that extends it only while it still holds this instance's value; a lease lost (the
/// node stalled past 30 s, or Redis lost the key) is replaced by a new one, logged. Liveness is
/// one sorted set <c>prefix nodes</c> (instance -> expiry ms on this node's clock), trimmed of
/// expired members at each renewal; <see cref="LiveNodes"/> is its size then.
/// </remarks>
public sealed class RedisNodeLease : IAsyncDisposable
{
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    private static readonly Action<ILogger, int, int, Exception?> LogLost = LoggerMessage.Define<int, int>(
        LogLevel.Warning, new EventId(10, "NodeLeaseLost"), "Node id lease {Old} was lost; leased {New} instead.");

    private readonly IDatabase _db;
    private readonly string _prefix;
    private readonly RedisValue _instance = Guid.NewGuid().ToString("N");
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _renewing;

    private RedisNodeLease(IConnectionMultiplexer mux, string prefix, TimeProvider time, ILogger? logger)
    {
        _db = mux.GetDatabase();
        _prefix = prefix;
        _time = time;
        _logger = logger;
    }

    /// <summary>The node id held now; it changes only when a lease was lost.</summary>
    public int NodeId { get; private set; } = -1;

    /// <summary>Nodes whose lease was alive at the last renewal (at least 1: this one).</summary>
    public int LiveNodes { get; private set; } = 1;

    /// <summary>Leases a free id (throws <see cref="InvalidOperationException"/> when all 1024 are taken or Redis cannot be reached) and starts renewing it.</summary>
    public static async Task<RedisNodeLease> AcquireAsync(IConnectionMultiplexer mux, string keyPrefix, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(mux);
        var lease = new RedisNodeLease(mux, keyPrefix, time, logger);
        lease.NodeId = await lease.LeaseAnyAsync().ConfigureAwait(false);
        await lease.CountAsync().ConfigureAwait(false);
        lease._renewing = lease.RenewLoopAsync();
        return lease;
    }

    /// <summary>Renews once: extends the lease if still held, otherwise leases a new id; refreshes <see cref="LiveNodes"/>.</summary>
    public async Task RenewAsync()
    {
        RedisResult held = await _db.ScriptEvaluateAsync(RenewScript, [LeaseKey(NodeId)], [_instance, (long)LeaseTime.TotalMilliseconds]).ConfigureAwait(false);
        if ((long)held != 1)
        {
            int old = NodeId;
            NodeId = await LeaseAnyAsync().ConfigureAwait(false);
            if (_logger is not null)
            {
                LogLost(_logger, old, NodeId, null);
            }
        }

        await CountAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewing is not null)
        {
            try
            {
                await _renewing.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            // Give the id back at once; Redis would free it in 30 s anyway.
            await _db.ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", [LeaseKey(NodeId)], [_instance]).ConfigureAwait(false);
            await _db.SortedSetRemoveAsync(NodesKey, _instance).ConfigureAwait(false);
        }
        catch (RedisException)
        {
        }
        catch (TimeoutException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The multiplexer went first: the lease ends by itself within 30 s.
        }

        _stop.Dispose();
    }

    private RedisKey NodesKey => (RedisKey)(_prefix + "nodes");

    private RedisKey LeaseKey(int id) => (RedisKey)(_prefix + "node:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task<int> LeaseAnyAsync()
    {
        int start = Random.Shared.Next(1024);
        for (int i = 0; i < 1024; i++)
        {
            int id = (start + i) & 1023;
            if (await _db.StringSetAsync(LeaseKey(id), _instance, LeaseTime, When.NotExists).ConfigureAwait(false))
            {
                return id;
            }
        }

        throw new InvalidOperationException("All 1024 node ids are leased.");
    }

    private async Task CountAsync()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _db.SortedSetAddAsync(NodesKey, _instance, now + (long)LeaseTime.TotalMilliseconds).ConfigureAwait(false);
        await _db.SortedSetRemoveRangeByScoreAsync(NodesKey, double.NegativeInfinity, now).ConfigureAwait(false);
        LiveNodes = (int)Math.Max(1, await _db.SortedSetLengthAsync(NodesKey).ConfigureAwait(false));
    }

    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(RenewEvery, _time);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await RenewAsync().ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Unreachable now: the next tick tries again (the id stays ours for 30 s).
            }
            catch (TimeoutException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
