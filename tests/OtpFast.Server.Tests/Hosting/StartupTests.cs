using OtpFast.Core.Accounts;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

public sealed class StartupTests
{
    [Fact]
    public async Task AFirstStartWithoutAccountsCreatesADefaultAccountAndPrintsItsKeyOnce()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("otpfast-first-").FullName, "nested", "data");
        await using (TestApp app = await TestApp.StartAsync(dataDir: dir, seedAccounts: false))
        {
            string key = System.Text.RegularExpressions.Regex.Match(app.Console, "otpf_[a-z2-7]{32}").Value;
            Assert.NotEmpty(key);
            Assert.Contains($"curl -s http://localhost:5080/v4/requestOneTimeCode -d '{{\"apiKey\":\"{key}\"", app.Console, StringComparison.Ordinal);

            // The absolute path of what it made, and a CLI line for more accounts that names the same directory.
            Assert.Contains($"created {AccountsFile.PathIn(dir)} with the account 'default'", app.Console, StringComparison.Ordinal);
            Assert.Contains($"More accounts: otpfast accounts add NAME --data-dir {dir}\n", app.Console.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            Assert.Equal(200, (await app.RequestAsync(new { apiKey = key })).Code);
            Assert.DoesNotContain(key, await File.ReadAllTextAsync(AccountsFile.PathIn(dir)), StringComparison.Ordinal);
            Assert.DoesNotContain(key, app.Logs.All, StringComparison.Ordinal);
        }

        // The second start finds the file and prints no key.
        await using TestApp again = await TestApp.StartAsync(dataDir: dir, seedAccounts: false);
        Assert.DoesNotContain("otpf_", again.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorruptAccountsFileAtStartRefusesToStartNamingTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-corrupt-").FullName;
        string path = AccountsFile.PathIn(dir);
        await File.WriteAllTextAsync(path, "{\"version\":1,\"nextId\":2,\"accounts\":[{\"id\":1,\"name\":\"a\",\"keySha256\":\"zz\",\"state\":\"active\"}]}");
        var e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(dataDir: dir, seedAccounts: false));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("keySha256", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NodeId", "1024")]
    [InlineData("NodeId", "-1")]
    [InlineData("MaxExpirySeconds", "0")]
    [InlineData("MaxVerifyAttempts", "zero")]
    [InlineData("MaxBodyBytes", "10")]
    [InlineData("MaxLivePairs", "0")]
    [InlineData("MaxConnectionsPerClient", "0")]
    [InlineData("MaxConnectionsPerClient", "1000001")]
    public async Task OutOfRangeSettingsRefuseToStartNamingTheSetting(string key, string value)
    {
        var e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(new() { [key] = value }));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxExpirySecondsIsConfigurable()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["MaxExpirySeconds"] = "60" });
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "a", expiry = 60 })).Code);
        Assert.Equal(482, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "a", expiry = 61 })).Code);
    }

    [Fact]
    public async Task AFullStoreAnswers503AndStoresNothing()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["MaxLivePairs"] = "2" });
        await app.IssueAsync("a");
        var (token, otp) = await app.IssueAsync("b");
        Answer full = await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "c" });
        Assert.Equal(503, full.Code);
        Assert.Equal("Service Unavailable", full.String("message"));

        // Codes without a pair still work, and the stored pairs are intact.
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        Assert.Equal("true", (await app.VerifyAsync(new { apiKey = app.Key, token, otp })).String("verify"));
    }

    [Fact]
    public async Task TransactionIdsAreUniqueAcrossTwoInstancesWithDifferentNodeIds()
    {
        await using TestApp one = await TestApp.StartAsync(new() { ["NodeId"] = "1" });
        await using TestApp two = await TestApp.StartAsync(new() { ["NodeId"] = "2" });
        var ids = new HashSet<string>();
        var tasks = new List<Task<Answer>>();
        for (int i = 0; i < 200; i++)
        {
            tasks.Add(one.RequestAsync(new { apiKey = one.Key }));
            tasks.Add(two.RequestAsync(new { apiKey = two.Key }));
        }

        foreach (Answer a in await Task.WhenAll(tasks))
        {
            Assert.True(ids.Add(a.String("transactionId")));
        }

        Assert.Equal(400, ids.Count);
        Assert.All(ids, id => Assert.Contains(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture) & 1023, new long[] { 1, 2 }));
    }
}
