using OtpFast.Core.Transactions;
using OtpFast.Server.Accounts;
using StackExchange.Redis;

namespace OtpFast.Server.Hosting;

/// <summary>
/// With a shared store, leases this node a node id (0-1023) from the store, so transaction ids
/// stay unique across nodes with no NodeId to set by hand, and counts the live leases, so each
/// node allows its share of an account's rate.
/// </summary>
/// <remarks>
/// <para>Two keys in one slot (hash tag <c>{nodes}</c>): a sorted set of node id -> lease end
/// (ms on the node's clock) and a hash of node id -> the instance holding it. One script takes the
/// lowest free id, one renews (or says the lease was lost), one gives it back at a clean stop.
/// A lease lasts <see cref="Lifetime"/> and is renewed every <see cref="RenewEvery"/>; a node that
/// dies frees its id (and its share of the rates) within the lifetime.</para>
/// <para>Until a lease is held (the store unreachable at start) the node uses a random id:
/// answers are 503 then anyway, and two nodes picking the same one of 1024 for those answers
/// only is the one window where ids could repeat.</para>
/// </remarks>
internal sealed partial class NodeLease(IConnectionMultiplexer redis, string keyPrefix, TransactionIdGenerator ids, NodeCount nodes, TimeProvider time, ILogger<NodeLease> logger)
    : BackgroundService
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    // KEYS[1] = id -> lease end, KEYS[2] = id -> instance. ARGV: now ms, lifetime ms, instance.
    // Integers only (math.floor-free): Garnet's Lua 5.4 would send a float as "5.0".
    private const string ForgetExpired = """
        local now = tonumber(ARGV[1])
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
          redis.call('HDEL', KEYS[2], id)
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        """;

    private const string KeepKeys = """
        redis.call('PEXPIRE', KEYS[1], ARGV[2] * 3)
        redis.call('PEXPIRE', KEYS[2], ARGV[2] * 3)
        """;

    private const string AcquireScript = ForgetExpired + """
        for id = 0, 1023 do
          local member = tostring(id)
          if not redis.call('ZSCORE', KEYS[1], member) then
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), member)
            redis.call('HSET', KEYS[2], member, ARGV[3])
        """ + KeepKeys + """
            return {id, redis.call('ZCARD', KEYS[1])}
          end
        end
        return {-1, redis.call('ZCARD', KEYS[1])}
        """;

    // ARGV[4] = the id held. Answers the live count, or -1 when another instance holds the id now.
    private const string RenewScript = """
        if redis.call('HGET', KEYS[2], ARGV[4]) ~= ARGV[3] then
          return -1
        end
        redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
        """ + ForgetExpired + KeepKeys + """
        return redis.call('ZCARD', KEYS[1])
        """;

    private const string ReleaseScript = """
        if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
          redis.call('HDEL', KEYS[2], ARGV[1])
          redis.call('ZREM', KEYS[1], ARGV[1])
        end
        return 0
        """;

    private readonly RedisKey[] _keys = [(RedisKey)(keyPrefix + "{nodes}"), (RedisKey)(keyPrefix + "{nodes}owners")];
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private int _held = -1;
    private int _renewFailing;

    /// <summary>The leased node id, or -1 while none is held.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Takes a lease before the server listens (bounded by the store's timeout), then renews in the background.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        ids.MoveToNode(Random.Shared.Next(TransactionIdGenerator.MaxNodeId + 1));
        await RenewOrAcquireAsync().ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
    }

    // A start that failed after the lease was taken (the port in use) never stops its hosted
    // services; disposing the host still gives the id and the rate share back.
    public override void Dispose()
    {
        ReleaseAsync().WaitAsync(Lifetime / 10).ContinueWith(static _ => { }, TaskScheduler.Default).GetAwaiter().GetResult();
        base.Dispose();
    }

    private async Task ReleaseAsync()
    {
        int held = Interlocked.Exchange(ref _held, -1);
        if (held < 0)
        {
            return;
        }

        // Gives the id and this node's rate share back at once rather than when the lease runs out.
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, _keys, [held, _instance]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogReleaseFailed(logger, held, e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RenewEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RenewOrAcquireAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewOrAcquireAsync()
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long lifetime = (long)Lifetime.TotalMilliseconds;
        IDatabase db = redis.GetDatabase();
        try
        {
            int held = Held;
            if (held >= 0)
            {
                long live = (long)await db.ScriptEvaluateAsync(RenewScript, _keys, [now, lifetime, _instance, held]).ConfigureAwait(false);
                if (live >= 0)
                {
                    nodes.Set((int)live);
                    Volatile.Write(ref _renewFailing, 0);
                    return;
                }

                LogLost(logger, held);
                Volatile.Write(ref _held, -1);
            }

            RedisResult[] taken = (RedisResult[])(await db.ScriptEvaluateAsync(AcquireScript, _keys, [now, lifetime, _instance]).ConfigureAwait(false))!;
            Volatile.Write(ref _renewFailing, 0);
            int id = (int)taken[0];
            nodes.Set((int)taken[1]);
            if (id < 0)
            {
                LogNoneFree(logger, TransactionIdGenerator.MaxNodeId + 1);
                return;
            }

            ids.MoveToNode(id);
            Volatile.Write(ref _held, id);
            LogLeased(logger, id, (int)taken[1]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The store is unreachable: the lease is renewed at the next tick; meanwhile calls
            // answer 503. Said once per outage: a lease that cannot be taken means transaction
            // ids may repeat another node's.
            if (Interlocked.Exchange(ref _renewFailing, 1) == 0)
            {
                LogRenewFailed(logger, Held, e.Message);
            }

        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Node id {NodeId} leased from the store ({Nodes} node(s) alive share each account's rate).")]
    private static partial void LogLeased(ILogger logger, int nodeId, int nodes);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "The lease on node id {NodeId} was lost (the store was unreachable longer than the lease); leasing another.")]
    private static partial void LogLost(ILogger logger, int nodeId);

    [LoggerMessage(EventId = 62, Level = LogLevel.Error, Message = "All {Count} node ids are leased; transaction ids of this node may repeat another's until one is free.")]
    private static partial void LogNoneFree(ILogger logger, int count);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "The node id lease (held: {NodeId}, -1 = none) cannot be renewed or taken: {Problem}; trying every 10 s (transaction ids may repeat another node's meanwhile).")]
    private static partial void LogRenewFailed(ILogger logger, int nodeId, string problem);

    [LoggerMessage(EventId = 64, Level = LogLevel.Debug, Message = "Node id {NodeId} not given back at stop: {Problem}")]
    private static partial void LogReleaseFailed(ILogger logger, int nodeId, string problem);
}
