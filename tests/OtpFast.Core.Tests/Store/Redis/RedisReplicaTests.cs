using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.Redis;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>A consume on a master with a replica waits for the replica (WAIT 1) before it answers Verified.</summary>
public sealed class RedisReplicaTests
{
    // Every master of the CI cluster has a replica (WAIT's absence is tested on the standalone server).
    [StoreFact(StoreEngine.RedisCluster)]
    public async Task AConsumeIsAnsweredOnlyAfterWaitOnTheKeysMaster()
    {
        string endpoint = StoreEndpoints.Of(StoreEngine.RedisCluster)!;
        string prefix = $"r{Guid.NewGuid():N}"[..13] + ":";
        await using RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = endpoint, KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) }, new OtpStoreOptions(), TimeProvider.System);
        UInt128 creator = store.DigestCreator(1, "ivy"u8);
        RedisKey key = store.PairKey(creator);
        Assert.True(await store.WaitsForReplicaAsync(key));
        IServer master = store.Multiplexer.GetServer(key);
        long before = await WaitCallsAsync(master);

        IssueResult issued = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false));
        Assert.Equal(VerifyOutcome.Verified, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);
        Assert.Equal(before + 1, await WaitCallsAsync(master));
        await store.Multiplexer.GetDatabase().KeyDeleteAsync(key);
    }

    private static async Task<long> WaitCallsAsync(IServer server)
    {
        foreach (IGrouping<string, KeyValuePair<string, string>> group in await server.InfoAsync("commandstats"))
        {
            foreach (KeyValuePair<string, string> pair in group)
            {
                if (pair.Key == "cmdstat_wait")
                {
                    // calls=N,usec=...
                    string calls = pair.Value.Split(',')[0];
                    return long.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return 0;
    }
}
