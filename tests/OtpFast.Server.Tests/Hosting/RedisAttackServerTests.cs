using StackExchange.Redis;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>Attack/review findings on Store=redis at the API (branch attack-redis).</summary>
public sealed class RedisAttackServerTests : IAsyncLifetime
{
    private readonly string _prefix = $"x{Guid.NewGuid():N}"[..13] + ":";
    private readonly List<TestApp> _apps = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (TestApp app in _apps)
        {
            await app.DisposeAsync();
        }

        if (StoreEndpoints.Of(StoreEngine.RedisStandalone) is { } endpoint)
        {
            await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(endpoint);
            await foreach (RedisKey key in admin.GetServers()[0].KeysAsync(pattern: _prefix + "*"))
            {
                await admin.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }

    // Finding 6: a pair is named only by (numeric account id, tokenCreator) under the shared
    // creator-key, and ids are per accounts file (1, 2, 3, ...). Two deployments that share one
    // Redis with the same RedisKeyPrefix (the default "o:" for everyone; the README invites
    // "so deployments can share one Redis"), or two nodes of one deployment whose accounts files
    // drifted (accounts added on each node), have different tenants with the same id: tenant B
    // asks requestOneTimeCode for any tokenCreator with reCreate:false and gets tenant A's LIVE
    // OTP and token back ("Existing"), and can verify (consume) it. Repro on the native binary:
    // two data dirs with one account each (both id 1), same --redis, default prefix.
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding6_ATenantOfAnotherAccountsFileNeverSeesThisTenantsCode()
    {
        Dictionary<string, string?> settings = new()
        {
            ["Store"] = "redis",
            ["Redis"] = StoreEndpoints.Of(StoreEngine.RedisStandalone),
            ["RedisKeyPrefix"] = _prefix,
        };
        TestApp a = await TestApp.StartAsync(settings); // its own accounts file: "active" is id 1
        _apps.Add(a);
        TestApp b = await TestApp.StartAsync(settings); // another accounts file: its "active" is id 1 too, with another key
        _apps.Add(b);
        Assert.NotEqual(a.Key, b.Key);

        (string token, string otp) = await a.IssueAsync("victim@example.com");
        Answer stolen = await b.RequestAsync(new { apiKey = b.Key, tokenCreator = "victim@example.com", reCreate = false, codeLength = 6 });
        Assert.NotEqual(otp, stolen.String("OTP"));
        Assert.NotEqual(token, stolen.String("token"));

        Answer consumed = await b.VerifyAsync(new { apiKey = b.Key, token, otp });
        Assert.NotEqual("true", consumed.String("verify"));
    }
}
