using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Tokens;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>
/// The same random walk of issues, verifies and clock steps against the in-memory store and
/// the Redis store: every answer must be the same (a quick cross-check; the contract suite is the full one).
/// </summary>
public sealed class RedisMatchesInMemoryTests
{
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task ARandomWalkGetsTheSameAnswersFromBothStores()
    {
        var seen = new HashSet<string>();
        for (int seed = 1; seed <= 3; seed++)
        {
            await WalkAsync(seed, seen);
        }

        // The walk reached every answer that matters here.
        foreach (string answer in new[] { "Created", "Existing", "CoolingDown", "FailedVerifiesSpent", "Verified", "Mismatch", "Unknown", "Expired", "Used", "Locked" })
        {
            Assert.Contains(answer, seen);
        }
    }

    private static async Task WalkAsync(int seed, HashSet<string> seen)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var limits = new OtpStoreOptions
        {
            MaxVerifyAttempts = 3,
            MaxFailedVerifiesPerCreator = 5,
            FailedVerifyWindow = TimeSpan.FromSeconds(120),
            TombstoneLifetime = TimeSpan.FromSeconds(30),
            ResendCooldown = TimeSpan.FromSeconds(2),
        };
        var memory = new ShardedOtpStore(limits, time);
        string prefix = $"w{Guid.NewGuid():N}"[..13] + ":";
        await using RedisOtpStore redis = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = StoreEndpoints.Of(StoreEngine.RedisStandalone)!, KeyPrefix = prefix }, limits, time);
        try
        {
            var random = new Random(seed);
            string[] creators = ["a", "b", "c"];
            var memoryPairs = new Dictionary<string, (OtpToken Token, OtpCode Code)>();
            var redisPairs = new Dictionary<string, (OtpToken Token, OtpCode Code)>();
            for (int step = 0; step < 1500; step++)
            {
                memory.AdvanceExpiry(int.MaxValue);
                string creator = creators[random.Next(creators.Length)];
                int op = random.Next(10);
                if (op < 3)
                {
                    bool reCreate = random.Next(2) == 0;
                    int expiry = random.Next(4) == 0 ? 0 : random.Next(1, 20);
                    IssueResult m = await memory.IssueAsync(new IssueRequest(1, memory.DigestCreator(1, System.Text.Encoding.ASCII.GetBytes(creator)), CodeType.Num, 4, expiry, reCreate));
                    IssueResult r = await redis.IssueAsync(new IssueRequest(1, redis.DigestCreator(1, System.Text.Encoding.ASCII.GetBytes(creator)), CodeType.Num, 4, expiry, reCreate));
                    Assert.True(m.Status == r.Status, $"step {step}: issue {creator} reCreate={reCreate} expiry={expiry}: memory {m.Status}, redis {r.Status}");
                    seen.Add(m.Status.ToString());
                    if (m.Status is IssueStatus.Created or IssueStatus.Existing)
                    {
                        memoryPairs[creator] = (m.Token, m.Code);
                        redisPairs[creator] = (r.Token, r.Code);
                    }
                }
                else if (op < 8 && memoryPairs.TryGetValue(creator, out (OtpToken Token, OtpCode Code) memoryPair))
                {
                    bool right = random.Next(3) == 0;
                    int account = random.Next(8) == 0 ? 2 : 1;
                    (OtpToken mt, OtpCode mc) = memoryPair;
                    (OtpToken rt, OtpCode rc) = redisPairs[creator];
                    OtpCode wrong = new("0000"u8);
                    VerifyResult m = await memory.VerifyAsync(new VerifyRequest(account, mt, right ? mc : (mc == wrong ? new OtpCode("1111"u8) : wrong)));
                    VerifyResult r = await redis.VerifyAsync(new VerifyRequest(account, rt, right ? rc : (rc == wrong ? new OtpCode("1111"u8) : wrong)));
                    seen.Add(m.Outcome.ToString());

                    // The in-memory wheel reclaims a due tombstone at its next 256 ms tick, so it may still
                    // say why for a moment; Redis's scripts drop it on the dot. Same state otherwise:
                    // a tombstone is only due once its failure window has passed.
                    bool lateReclaim = r.Outcome == VerifyOutcome.Unknown && m.Outcome is VerifyOutcome.Expired or VerifyOutcome.Used or VerifyOutcome.Locked;
                    Assert.True(m.Outcome == r.Outcome || lateReclaim, $"step {step}: verify {creator} right={right} account={account}: memory {m.Outcome}, redis {r.Outcome}");
                }
                else
                {
                    time.Advance(TimeSpan.FromMilliseconds(100 * random.Next(1, 60)));
                }
            }
        }
        finally
        {
            foreach (IServer server in redis.Multiplexer.GetServers())
            {
                await foreach (RedisKey key in server.KeysAsync(pattern: prefix + "*"))
                {
                    await redis.Multiplexer.GetDatabase().KeyDeleteAsync(key);
                }
            }
        }
    }
}
