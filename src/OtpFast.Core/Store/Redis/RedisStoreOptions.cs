namespace OtpFast.Core.Store.Redis;

/// <summary>Which server speaks the Redis protocol: their Lua differs in one way that matters here.</summary>
public enum RedisEngine
{
    /// <summary>Read from INFO server at connect (Garnet reports <c>garnet_version</c>).</summary>
    Auto,

    /// <summary>Redis 7+: scripts carry the <c>#!lua</c> shebang, so Redis Cluster refuses any key outside the declared slot.</summary>
    Redis,

    /// <summary>Garnet (start it with <c>--lua --lua-transaction-mode</c>): it rejects the shebang, so scripts go without it.</summary>
    Garnet,
}

/// <summary>Where and how the shared store reaches Redis or Garnet.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:7001,127.0.0.1:7002</c>.</summary>
    public string Configuration { get; init; } = "127.0.0.1:6379";

    /// <summary>Connect, sync and async timeout: a call slower than this answers Unavailable (503).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Put before every key (keep it short: it is paid per pair). It must not hold <c>{</c> or <c>}</c>.
    /// Tests use one per test so they can delete their keys.
    /// </summary>
    public string KeyPrefix { get; init; } = "o:";

    public RedisEngine Engine { get; init; } = RedisEngine.Auto;

    /// <summary>
    /// 32 bytes every node of the deployment shares (the server passes the accounts file's
    /// deployment secret): the first 16 key the tokenCreator digest, the last 16 the token cipher.
    /// Nothing of it is in Redis, so Redis losing its keys cannot split the nodes, and two
    /// deployments on one Redis never share a pair. Empty: the store creates one in Redis
    /// (<c>SET prefix creator-key NX</c>) and reads it at start (tools and tests).
    /// </summary>
    public ReadOnlyMemory<byte> SharedSecret { get; init; }
}
