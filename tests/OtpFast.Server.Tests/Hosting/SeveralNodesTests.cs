using Microsoft.Extensions.DependencyInjection;
using OtpFast.Core.Accounts;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Transactions;
using StackExchange.Redis;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>Two servers on one Redis (issue 10): one truth for pairs, distinct node ids, one rate per account.</summary>
public sealed class SeveralNodesTests : IAsyncLifetime
{
    private readonly string _prefix = $"n{Guid.NewGuid():N}"[..13] + ":";
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
            await RedisKeys.DeleteAsync(admin, _prefix);
        }
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task ACodeRequestedOnOneNodeVerifiesOnTheOtherOnceAndReCreateFalseSeesIt()
    {
        (TestApp a, TestApp b) = await TwoNodesAsync();
        (string token, string otp) = await a.IssueAsync("alice@example.com");

        Answer again = await b.RequestAsync(new { apiKey = a.Key, tokenCreator = "alice@example.com", reCreate = false });
        Assert.Equal(token, again.String("token"));
        Assert.Equal(otp, again.String("OTP"));

        Answer verified = await b.VerifyAsync(new { apiKey = a.Key, token, otp });
        Assert.Equal("true", verified.String("verify"));
        Answer twice = await a.VerifyAsync(new { apiKey = a.Key, token, otp });
        Assert.Equal("false", twice.String("verify"));
        Assert.Equal("used", twice.String("reason"));
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task EachNodeLeasesItsOwnNodeIdSoTransactionIdsNeverRepeat()
    {
        (TestApp a, TestApp b) = await TwoNodesAsync();
        int idA = a.App.Services.GetRequiredService<TransactionIdGenerator>().NodeId;
        int idB = b.App.Services.GetRequiredService<TransactionIdGenerator>().NodeId;
        Assert.NotEqual(idA, idB);

        var seen = new HashSet<long>();
        foreach (TestApp app in new[] { a, b, a, b })
        {
            for (int i = 0; i < 50; i++)
            {
                long id = long.Parse((await app.RequestAsync(new { apiKey = a.Key })).String("transactionId"), System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(seen.Add(id));
                Assert.Equal(app == a ? idA : idB, (int)(id & 1023));
            }
        }
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task AnAccountsRateHoldsForTheDeploymentEachNodeAllowingItsShare()
    {
        (TestApp a, TestApp b) = await TwoNodesAsync(new() { ["DefaultAccountRatePerSecond"] = "40" });
        int allowed = 0;
        foreach (TestApp app in new[] { a, b })
        {
            for (int i = 0; i < 40; i++)
            {
                allowed += (await app.RequestAsync(new { apiKey = a.Key })).Code == 200 ? 1 : 0;
            }
        }

        // The clock stands still (a fake one): one second's burst for the deployment, 20 per node.
        Assert.Equal(40, allowed);
        a.Time.Advance(TimeSpan.FromMilliseconds(500));
        b.Time.Advance(TimeSpan.FromMilliseconds(500));
        int refilled = 0;
        foreach (TestApp app in new[] { a, b })
        {
            for (int i = 0; i < 40; i++)
            {
                refilled += (await app.RequestAsync(new { apiKey = a.Key })).Code == 200 ? 1 : 0;
            }
        }

        Assert.Equal(20, refilled);
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
    public async Task ATenantOfAnotherAccountsFileNeverSeesThisTenantsCodeOnTheSameRedisAndPrefix()
    {
        Dictionary<string, string?> settings = new()
        {
            ["Store"] = "redis",
            ["Redis"] = StoreEndpoints.Of(StoreEngine.RedisStandalone),
            ["RedisKeyPrefix"] = _prefix,
            // CI runs both test projects at once beside the Redis servers: more room than the 1 s default.
            ["RedisTimeoutMilliseconds"] = "5000",
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

    [Fact]
    public async Task AnUnreachableRedisStartsTheServerNotReadyAndEveryCallAnswers503()
    {
        await using TestApp app = await TestApp.StartAsync(new()
        {
            ["Store"] = "redis",
            ["Redis"] = "127.0.0.1:1",
            ["RedisTimeoutMilliseconds"] = "200",
            ["RedisKeyPrefix"] = _prefix,
        });
        HttpResponseMessage ready = await app.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(503, (int)ready.StatusCode);
        Assert.Equal("store-unreachable\n", await ready.Content.ReadAsStringAsync());
        Assert.Equal(503, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "alice" })).Code);
        Assert.Equal(503, (await app.VerifyAsync(new { apiKey = app.Key, token = "AAAAAAAAAAAAAAAAAAAAAAAAAA", otp = "123456" })).Code);

        // Requests without a tokenCreator need no store and are still served.
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
    }

    [Fact]
    public async Task AnAccountsFileFromBeforeDeploymentSecretsGetsOneWhenTheSharedStoreStarts()
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-test-").FullName;
        string path = AccountsFile.PathIn(dir);
        string key = AccountsFile.Add(path, "legacy", null);
        var legacy = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        Assert.True(legacy.Remove("deploymentSecret"));
        await File.WriteAllTextAsync(path, legacy.ToJsonString());
        Assert.Null(AccountsFile.Load(path).DeploymentSecret);

        await using TestApp app = await TestApp.StartAsync(
            new() { ["Store"] = "redis", ["Redis"] = "127.0.0.1:1", ["RedisTimeoutMilliseconds"] = "200" }, dataDir: dir);
        Assert.Contains("added a deployment secret to " + path, app.Console, StringComparison.Ordinal);
        Assert.Equal(32, AccountsFile.Load(path).DeploymentSecret!.Value.Length);
        Assert.True(AccountsFile.Load(path).TryFind(System.Text.Encoding.UTF8.GetBytes(key), out _));
    }

    [Fact]
    public async Task ANodeIdIsRefusedWithTheSharedStoreWhichLeasesOne()
    {
        var failure = await Assert.ThrowsAsync<OtpFast.Server.Hosting.StartupException>(() => TestApp.StartAsync(new()
        {
            ["Store"] = "redis",
            ["Redis"] = "127.0.0.1:1",
            ["NodeId"] = "3",
        }));
        Assert.Contains("NodeId is leased from the store", failure.Message, StringComparison.Ordinal);
    }

    private async Task<(TestApp A, TestApp B)> TwoNodesAsync(Dictionary<string, string?>? more = null)
    {
        Dictionary<string, string?> settings = new()
        {
            ["Store"] = "redis",
            ["Redis"] = StoreEndpoints.Of(StoreEngine.RedisStandalone),
            ["RedisKeyPrefix"] = _prefix,
            // CI runs both test projects at once beside the Redis servers: more room than the 1 s default.
            ["RedisTimeoutMilliseconds"] = "5000",
        };
        foreach (var (k, v) in more ?? [])
        {
            settings[k] = v;
        }

        TestApp a = await TestApp.StartAsync(settings);
        _apps.Add(a);
        string dirB = Directory.CreateTempSubdirectory("otpfast-test-").FullName;
        File.Copy(AccountsFile.PathIn(a.DataDir), AccountsFile.PathIn(dirB));
        TestApp b = await TestApp.StartAsync(settings, dataDir: dirB);
        _apps.Add(b);

        // Each node counts the other once its lease renews (every 10 s); here, at once.
        foreach (TestApp app in _apps)
        {
            app.Time.Advance(OtpFast.Server.Hosting.NodeLease.RenewEvery);
        }

        await WaitUntilAsync(() => _apps.All(app => app.App.Services.GetRequiredService<OtpFast.Server.Accounts.NodeCount>().Current == 2));
        return (a, b);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
