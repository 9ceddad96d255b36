using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Tokens;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>
/// The same random walk of issues, verifies (right, lower-cased, wrong, wrong-length codes, other
/// accounts' tokens) and clock steps against the in-memory store and a Redis store: every answer
/// must be the same (a cross-check at random; the contract suite is the full one).
/// </summary>
public sealed class RedisMatchesInMemoryTests
{
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task ARandomWalkGetsTheSameAnswersFromBothStoresAndReachesEveryAnswer()
    {
        var seen = new HashSet<string>();
        for (int seed = 1; seed <= 3; seed++)
        {
            await WalkAsync(StoreEngine.RedisStandalone, seed, Limits(attempts: 3, budget: 5, window: 120, cooldown: 2), seen);
        }

        foreach (string answer in new[] { "Created", "Existing", "CoolingDown", "FailedVerifiesSpent", "Verified", "Mismatch", "Unknown", "Expired", "Used", "Locked" })
        {
            Assert.Contains(answer, seen);
        }
    }

    // From the attacker's pass (held up): the walk (in-memory vs Redis) over every code length 4..12 and type, edge
    // limits (1 attempt, 1000 attempts, budget 0 and 10000, windows of 1 s and 30 days, cooldown),
    // lower-case and wrong-length codes, cross-account tokens, on each engine.
    [StoreTheory(StoreEngine.Garnet)]
    [InlineData(1, 1, 0, 1, 0)]
    [InlineData(2, 1000, 10000, 2_592_000, 0)]
    [InlineData(3, 3, 5, 1, 2)]
    [InlineData(4, 2, 1, 2_592_000, 1)]
    public Task HeldUp_GarnetWalkMatchesInMemory(int seed, int attempts, int budget, int window, int cooldown)
        => WalkAsync(StoreEngine.Garnet, seed, Limits(attempts, budget, window, cooldown));

    [StoreTheory(StoreEngine.RedisCluster)]
    [InlineData(1, 1, 0, 1, 0)]
    [InlineData(2, 1000, 10000, 2_592_000, 0)]
    [InlineData(3, 3, 5, 1, 2)]
    [InlineData(4, 2, 1, 2_592_000, 1)]
    public Task HeldUp_ClusterWalkMatchesInMemory(int seed, int attempts, int budget, int window, int cooldown)
        => WalkAsync(StoreEngine.RedisCluster, seed, Limits(attempts, budget, window, cooldown));

    [StoreTheory(StoreEngine.RedisStandalone)]
    [InlineData(1, 1, 0, 1, 0)]
    [InlineData(2, 1000, 10000, 2_592_000, 0)]
    [InlineData(3, 3, 5, 1, 2)]
    [InlineData(4, 2, 1, 2_592_000, 1)]
    public Task HeldUp_StandaloneWalkMatchesInMemory(int seed, int attempts, int budget, int window, int cooldown)
        => WalkAsync(StoreEngine.RedisStandalone, seed, Limits(attempts, budget, window, cooldown));

    private static OtpStoreOptions Limits(int attempts, int budget, int window, int cooldown) => new()
    {
        MaxVerifyAttempts = attempts,
        MaxFailedVerifiesPerCreator = budget,
        FailedVerifyWindow = TimeSpan.FromSeconds(window),
        TombstoneLifetime = TimeSpan.FromSeconds(30),
        ResendCooldown = TimeSpan.FromSeconds(cooldown),
    };

    private static async Task WalkAsync(StoreEngine engine, int seed, OtpStoreOptions limits, HashSet<string>? seen = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var memory = new ShardedOtpStore(limits, time);
        string prefix = $"w{Guid.NewGuid():N}"[..13] + ":";
        await using RedisOtpStore redis = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = StoreEndpoints.Of(engine)!, KeyPrefix = prefix, Timeout = TimeSpan.FromSeconds(5) }, limits, time);
        try
        {
            await WalkStepsAsync(engine, seed, memory, redis, time, seen);
        }
        finally
        {
            await RedisKeys.DeleteAsync(redis.Multiplexer, prefix);
        }
    }

    private static async Task WalkStepsAsync(StoreEngine engine, int seed, ShardedOtpStore memory, RedisOtpStore redis, FakeTimeProvider time, HashSet<string>? seen)
    {
        var random = new Random(seed);
        string[] creators = ["a", "b", "c"];
        var memoryPairs = new Dictionary<string, (OtpToken Token, OtpCode Code)>();
        var redisPairs = new Dictionary<string, (OtpToken Token, OtpCode Code)>();
        for (int step = 0; step < 800; step++)
        {
            memory.AdvanceExpiry(int.MaxValue);
            string creator = creators[random.Next(creators.Length)];
            int op = random.Next(10);
            if (op < 3)
            {
                bool reCreate = random.Next(2) == 0;
                int expiry = random.Next(6) switch { 0 => 0, 1 => 1, 2 => (int)OtpStoreOptions.MaxSupportedExpirySeconds, _ => random.Next(1, 20) };
                int length = random.Next(CodeAlphabet.MinLength, CodeAlphabet.MaxLength + 1);
                CodeType type = (CodeType)random.Next(3);
                IssueResult m = await memory.IssueAsync(new IssueRequest(1, memory.DigestCreator(1, System.Text.Encoding.ASCII.GetBytes(creator)), type, length, expiry, reCreate));
                IssueResult r = await redis.IssueAsync(new IssueRequest(1, redis.DigestCreator(1, System.Text.Encoding.ASCII.GetBytes(creator)), type, length, expiry, reCreate));
                Assert.True(m.Status == r.Status, $"{engine} step {step}: issue {creator} reCreate={reCreate} expiry={expiry}: memory {m.Status}, redis {r.Status}");
                seen?.Add(m.Status.ToString());
                if (m.Status is IssueStatus.Created or IssueStatus.Existing)
                {
                    Assert.Equal(m.Code.Length, r.Code.Length);
                    memoryPairs[creator] = (m.Token, m.Code);
                    redisPairs[creator] = (r.Token, r.Code);
                }
            }
            else if (op < 8 && memoryPairs.TryGetValue(creator, out (OtpToken Token, OtpCode Code) memoryPair))
            {
                int how = random.Next(5); // 0,1 right; 2 lower-cased right; 3 wrong same length; 4 wrong length
                int account = random.Next(8) == 0 ? 2 : 1;
                VerifyResult m = await memory.VerifyAsync(new VerifyRequest(account, memoryPair.Token, Sent(memoryPair.Code, how)));
                VerifyResult r = await redis.VerifyAsync(new VerifyRequest(account, redisPairs[creator].Token, Sent(redisPairs[creator].Code, how)));
                seen?.Add(m.Outcome.ToString());

                // The in-memory wheel reclaims a due tombstone at its next 256 ms tick, so it may still
                // say why for a moment; Redis's scripts drop it on the dot.
                bool lateReclaim = r.Outcome == VerifyOutcome.Unknown && m.Outcome is VerifyOutcome.Expired or VerifyOutcome.Used or VerifyOutcome.Locked;
                Assert.True(m.Outcome == r.Outcome || lateReclaim, $"{engine} step {step}: verify {creator} how={how} account={account}: memory {m.Outcome}, redis {r.Outcome}");
            }
            else
            {
                time.Advance(TimeSpan.FromMilliseconds(100 * random.Next(1, 60)));
            }
        }
    }

    private static OtpCode Sent(OtpCode code, int how)
    {
        byte[] bytes = new byte[code.Length];
        code.CopyTo(bytes);
        switch (how)
        {
            case 2:
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = (byte)char.ToLowerInvariant((char)bytes[i]);
                }

                break;
            case 3:
                bytes[^1] = (byte)(bytes[^1] == (byte)'2' ? '3' : '2');
                break;
            case 4:
                bytes = bytes.Length > CodeAlphabet.MinLength ? bytes[..^1] : [.. bytes, (byte)'1'];
                break;
        }

        return new OtpCode(bytes);
    }
}
