using OtpFast.Core.Store;
using OtpFast.Core.Store.Redis;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Contract;

/// <summary>
/// The store contract on a Redis-protocol server: each test's stores write under a key prefix of
/// their own, and every key under it is deleted afterwards, on every primary.
/// </summary>
public abstract class RedisStoreContract(StoreEngine engine) : OtpStoreContract
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13] + ":";

    protected override async Task<IOtpStore> CreateStoreAsync(OtpStoreOptions limits)
    {
        var options = new RedisStoreOptions
        {
            Configuration = string.Join(',', StoreEndpoints.ListOf(engine)),
            KeyPrefix = _prefix,
            Timeout = TimeSpan.FromSeconds(5),
        };
        RedisOtpStore store = await RedisOtpStore.ConnectAsync(options, limits, Time);
        Assert.Null(store.NotReadyReason);
        return store;
    }

    protected override async Task DestroyStoreAsync(IOtpStore store)
    {
        await ((RedisOtpStore)store).DisposeAsync();
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(string.Join(',', StoreEndpoints.ListOf(engine)));
        await RedisKeys.DeleteAsync(admin, _prefix);
    }
}

[StoreUnderTest(StoreEngine.RedisStandalone)]
public sealed class RedisStandaloneStoreContractTests() : RedisStoreContract(StoreEngine.RedisStandalone);

[StoreUnderTest(StoreEngine.RedisCluster)]
public sealed class RedisClusterStoreContractTests() : RedisStoreContract(StoreEngine.RedisCluster);

[StoreUnderTest(StoreEngine.Garnet)]
public sealed class GarnetStoreContractTests() : RedisStoreContract(StoreEngine.Garnet);
