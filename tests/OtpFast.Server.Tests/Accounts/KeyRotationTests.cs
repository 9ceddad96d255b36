using OtpFast.Core.Accounts;

namespace OtpFast.Server.Tests.Accounts;

/// <summary>Issue 11, item 10: a rotation reaches the running server by hot reload, and tokens live on.</summary>
public sealed class KeyRotationTests
{
    [Fact]
    public async Task ARunningServerTakesTheNewKeyKeepsTheOldOneForTheGraceAndLiveTokensKeepVerifying()
    {
        await using TestApp app = await TestApp.StartAsync();
        string old = app.Key;
        var (token, otp) = await app.IssueAsync("user@example.com", key: old);

        string fresh = AccountsFile.Rotate(app.AccountsPath, "active", TimeSpan.FromHours(24), app.Time.GetUtcNow());
        await WaitUntilAcceptedAsync(app, fresh);

        // The account is the same: a token issued under the old key verifies under the new one.
        Assert.Equal("true", (await app.VerifyAsync(new { apiKey = fresh, token, otp })).String("verify"));
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = old })).Code);

        app.Time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(403, (await app.RequestAsync(new { apiKey = old })).Code);
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = fresh })).Code);
    }

    [Fact]
    public async Task AZeroGraceRotationLocksTheOldKeyOutAtTheNextReload()
    {
        await using TestApp app = await TestApp.StartAsync();
        string old = app.Key;
        string fresh = AccountsFile.Rotate(app.AccountsPath, "active", TimeSpan.Zero, app.Time.GetUtcNow());
        await WaitUntilAcceptedAsync(app, fresh);
        Assert.Equal(403, (await app.RequestAsync(new { apiKey = old })).Code);
    }

    private static async Task WaitUntilAcceptedAsync(TestApp app, string key)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(10);
        while ((await app.RequestAsync(new { apiKey = key })).Code != 200)
        {
            Assert.True(DateTime.UtcNow < giveUp, "the server did not reload the rotated key within 10 s");
            await Task.Delay(50);
        }
    }
}
