namespace OtpFast.Core.Tests.Store;

/// <summary>
/// The stores .ci/stores.sh started are the kinds the variables say and ready for the
/// store-contract tests: each answers PING and runs a script, the cluster has settled with a
/// replica under each master, Garnet is Garnet with Lua on. Skipped (visibly) where a variable is unset.
/// </summary>
public sealed class StoreEnginesTests
{
    [StoreFact(StoreEngine.RedisStandalone)]
    public void TheStandaloneIsARedisOnItsOwn()
    {
        using var redis = RespConnection.Open(StoreEndpoints.Of(StoreEngine.RedisStandalone)!);
        Assert.Equal("PONG", redis.CallText("PING"));
        var server = RespConnection.Fields(redis.CallText("INFO", "server"));
        Assert.Equal("standalone", server["redis_mode"]);
        Assert.False(server.ContainsKey("garnet_version"));
        Assert.Equal("master", RespConnection.Fields(redis.CallText("INFO", "replication"))["role"]);
        AssertRunsScripts(redis);
    }

    [StoreFact(StoreEngine.RedisCluster)]
    public void TheClusterIsSettledWithThreeMastersEachWithAConnectedReplica()
    {
        string[] nodes = StoreEndpoints.ListOf(StoreEngine.RedisCluster);
        Assert.Equal(6, nodes.Length);
        int masters = 0;
        foreach (string node in nodes)
        {
            using var redis = RespConnection.Open(node);
            Assert.Equal("PONG", redis.CallText("PING"));
            Assert.Equal("cluster", RespConnection.Fields(redis.CallText("INFO", "server"))["redis_mode"]);
            var cluster = RespConnection.Fields(redis.CallText("CLUSTER", "INFO"));
            Assert.Equal("ok", cluster["cluster_state"]);
            Assert.Equal("16384", cluster["cluster_slots_ok"]);
            Assert.Equal("6", cluster["cluster_known_nodes"]);
            Assert.Equal("3", cluster["cluster_size"]);
            var replication = RespConnection.Fields(redis.CallText("INFO", "replication"));
            if (replication["role"] == "master")
            {
                masters++;
                Assert.Equal("1", replication["connected_slaves"]);
            }
            else
            {
                Assert.Equal("up", replication["master_link_status"]);
            }
        }

        Assert.Equal(3, masters);
    }

    [StoreFact(StoreEngine.Garnet)]
    public void GarnetIsGarnetWithLuaOn()
    {
        using var garnet = RespConnection.Open(StoreEndpoints.Of(StoreEngine.Garnet)!);
        Assert.Equal("PONG", garnet.CallText("PING"));
        var server = RespConnection.Fields(garnet.CallText("INFO", "server"));
        Assert.Equal("garnet", server["server_name"]);
        Assert.StartsWith("2.", server["garnet_version"], StringComparison.Ordinal);
        AssertRunsScripts(garnet); // only with --lua
    }

    private static void AssertRunsScripts(RespConnection store)
    {
        // A binary argument arrives whole: 0x00 and 0xFF are two bytes, not a truncated C string or UTF-8.
        Assert.Equal(2L, store.Call("EVAL", "return #ARGV[1]", "0", new byte[] { 0x00, 0xFF }));
    }
}
