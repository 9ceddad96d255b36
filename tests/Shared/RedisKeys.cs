using StackExchange.Redis;

namespace OtpFast.Tests;

/// <summary>What a Redis test wrote, found by its key prefix and deleted, on every primary (a cluster spreads keys over them).</summary>
public static class RedisKeys
{
    public static async Task DeleteAsync(IConnectionMultiplexer redis, string prefix)
    {
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsReplica || !server.IsConnected)
            {
                continue;
            }

            await foreach (RedisKey key in server.KeysAsync(pattern: prefix + "*"))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }
}
