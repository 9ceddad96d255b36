using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>
/// What a kill -9 leaves, taken while the server runs: the data directory is copied the moment an
/// answer arrives, and a store is recovered from the copy. (.ci/run does the same to the native
/// binary with real kill -9s under load.)
/// </summary>
public sealed class CrashTests
{
    [Fact]
    public async Task AVerifyAnsweredTrueIsOnDiskBeforeTheAnswerLeavesTheServer()
    {
        await using TestApp app = await TestApp.StartAsync();
        var pair = await app.IssueAsync("alice@example.com");
        Assert.Equal("true", (await app.VerifyAsync(new { apiKey = app.Key, token = pair.Token, otp = pair.Otp })).String("verify"));

        ShardedOtpStore crashed = RecoverCopyOf(app);

        Assert.Equal(VerifyOutcome.Used, Verify(crashed, app, pair));
    }

    [Fact]
    public async Task AReplacementAndALockAreOnDiskBeforeTheirAnswers()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["MaxVerifyAttempts"] = "2" });
        var old = await app.IssueAsync("bob@example.com");
        Answer replaced = await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "bob@example.com", reCreate = true, codeLength = 6 });
        var locked = await app.IssueAsync("carol@example.com");
        string wrong = locked.Otp == "000000" ? "111111" : "000000";
        await app.VerifyAsync(new { apiKey = app.Key, token = locked.Token, otp = wrong });
        Assert.Equal("mismatch", (await app.VerifyAsync(new { apiKey = app.Key, token = locked.Token, otp = wrong })).String("reason"));

        ShardedOtpStore crashed = RecoverCopyOf(app);

        Assert.Equal(VerifyOutcome.Unknown, Verify(crashed, app, old));
        Assert.Equal(VerifyOutcome.Locked, Verify(crashed, app, locked));
        Assert.Equal(VerifyOutcome.Verified, Verify(crashed, app, (replaced.String("token"), replaced.String("OTP"))));
    }

    [Fact]
    public async Task StrictPutsEveryNewPairOnDiskBeforeItsAnswer()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["Durability"] = "strict" });
        var pairs = new List<(string Token, string Otp)>();
        for (int i = 0; i < 20; i++)
        {
            pairs.Add(await app.IssueAsync($"user{i}@example.com"));
        }

        ShardedOtpStore crashed = RecoverCopyOf(app);

        Assert.All(pairs, p => Assert.Equal(VerifyOutcome.Verified, Verify(crashed, app, p)));
    }

    [Fact]
    public async Task TheNextStartReplaysTheJournalAndSaysSo()
    {
        string image;
        (string Token, string Otp) used;
        string key;
        await using (TestApp app = await TestApp.StartAsync())
        {
            key = app.Key;
            used = await app.IssueAsync("dave@example.com");
            await app.VerifyAsync(new { apiKey = key, token = used.Token, otp = used.Otp });
            image = CopyDataDir(app.DataDir);
        }

        await using TestApp restarted = await TestApp.StartAsync(dataDir: image);
        Assert.Contains("Journal replayed: 2 records from 1 segment(s); 1 pairs held", restarted.Logs.All, StringComparison.Ordinal);
        Assert.Equal("used", (await restarted.VerifyAsync(new { apiKey = key, token = used.Token, otp = used.Otp })).String("reason"));
    }

    [Fact]
    public async Task DurabilityOffWritesNoJournalAndWarnsThatACrashCanReviveCodes()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["Durability"] = "off" });
        await app.IssueAsync("erin@example.com");

        Assert.Empty(Directory.GetFiles(app.DataDir, "journal.*"));
        Assert.Contains("Warning OtpFast.Server.Hosting.PairPersistence: Durability off: no journal", app.Logs.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("safe")]
    [InlineData("STRICT")]
    [InlineData("relaxed")]
    [InlineData("off")]
    public async Task EveryDurabilityModeStartsAndAnswers(string mode)
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["Durability"] = mode });
        var pair = await app.IssueAsync("frank@example.com");
        Assert.Equal("true", (await app.VerifyAsync(new { apiKey = app.Key, token = pair.Token, otp = pair.Otp })).String("verify"));
    }

    [Fact]
    public async Task AnUnknownDurabilityStopsTheStartNamingTheChoices()
    {
        var e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(new() { ["Durability"] = "always" }));
        Assert.Equal("Durability must be safe, strict, relaxed or off; got 'always'.", e.Message);
    }

    private static ShardedOtpStore RecoverCopyOf(TestApp app) =>
        StoreRecovery.Open(CopyDataDir(app.DataDir), new OtpStoreOptions(), app.Time).Store;

    // The pair files as they are on disk right now: what a kill -9 at this instant would leave.
    private static string CopyDataDir(string dataDir)
    {
        string image = Directory.CreateTempSubdirectory("otpfast-crash-").FullName;
        foreach (string file in Directory.GetFiles(dataDir))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith("journal.", StringComparison.Ordinal) || name is "pairs.snapshot" or "accounts.json")
            {
                File.Copy(file, Path.Combine(image, name));
            }
        }

        return image;
    }

    private static VerifyOutcome Verify(ShardedOtpStore store, TestApp app, (string Token, string Otp) pair)
    {
        int account = AccountIdOf(app);
        Assert.True(OtpToken.TryParse(Encoding.ASCII.GetBytes(pair.Token), out OtpToken token));
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        return store.Verify(account, token, Encoding.ASCII.GetBytes(pair.Otp), matched).Outcome;
    }

    private static int AccountIdOf(TestApp app)
    {
        Assert.True(Core.Accounts.AccountsFile.Load(app.AccountsPath).TryFind(Encoding.UTF8.GetBytes(app.Key), out Core.Accounts.Account account));
        return account.Id;
    }
}
