using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OtpFast.Core.Accounts;

namespace OtpFast.Server.Tests.Api;

public sealed class AbuseLimitTests
{
    [Fact]
    public async Task AnAccountOverItsRateGets429OnBothEndpointsAndRecovers()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["DefaultAccountRatePerSecond"] = "5" });
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        }

        Answer limited = await app.RequestAsync(new { apiKey = app.Key });
        Assert.Equal(429, limited.Code);
        Assert.Equal("Rate Limit Exceeded", limited.String("message"));
        Assert.Equal(429, (await app.VerifyAsync(new { apiKey = app.Key, token = "x", otp = "y" })).Code);

        // Another account has its own bucket.
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Keys["other"] })).Code);

        // The budget refills with the server's clock: one request every 1/rate seconds.
        app.Time.Advance(TimeSpan.FromMilliseconds(190));
        Assert.Equal(429, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        app.Time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        Assert.Equal(429, (await app.RequestAsync(new { apiKey = app.Key })).Code);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(100)]
    [InlineData(1000)]
    public async Task EveryRateHoldsExactlyOverTenSecondsOfTheServersClock(int rate)
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["DefaultAccountRatePerSecond"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = app.Client;
        int allowed = 0;

        // Ten seconds in 50 ms steps, asking until refused at each step: a second's worth at once, then the rate.
        for (int step = 0; step <= 200; step++)
        {
            while ((await app.RequestAsync("""{"apiKey":"KEY"}""".Replace("KEY", app.Key, StringComparison.Ordinal))).Code == 200)
            {
                allowed++;
            }

            app.Time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.InRange(allowed, (11 * rate) - 1, (11 * rate) + 1);
    }

    [Fact]
    public async Task TheRateIsCheckedAfterTheAccountStateAndBeforeTheFields()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["DefaultAccountRatePerSecond"] = "1" });
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        Assert.Equal(429, (await app.RequestAsync(new { apiKey = app.Key, codeType = "bogus" })).Code);
        Assert.Equal(404, (await app.RequestAsync(new { apiKey = app.Keys["blocked"] })).Code);
        Assert.Equal(404, (await app.RequestAsync(new { apiKey = app.Keys["blocked"] })).Code);
    }

    [Fact]
    public async Task APerAccountRateFromTheAccountsFileOverridesTheDefault()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["DefaultAccountRatePerSecond"] = "1" });
        string unlimited = AccountsFile.Add(app.AccountsPath, "bulk", null, ratePerSecond: 0);
        await Task.Delay(400);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(200, (await app.RequestAsync(new { apiKey = unlimited })).Code);
        }

        AccountsFile.SetRate(app.AccountsPath, "bulk", 2);
        await Task.Delay(400);
        var codes = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            codes.Add((await app.RequestAsync(new { apiKey = unlimited })).Code);
        }

        Assert.Contains(429, codes);
    }

    [Fact]
    public async Task ANewPairInsideTheResendCooldownGets429WhileTheLivePairIsStillReturned()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["ResendCooldownSeconds"] = "30" });
        Answer first = await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "flood@example.com", expiry = 300 });
        Assert.Equal(200, first.Code);

        Assert.Equal(429, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "flood@example.com", reCreate = true })).Code);
        Answer same = await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "flood@example.com", reCreate = false });
        Assert.Equal(200, same.Code);
        Assert.Equal(first.String("token"), same.String("token"));

        // A consumed pair is no longer live: a new one inside the cooldown is refused too.
        await app.VerifyAsync(new { apiKey = app.Key, token = first.String("token"), otp = first.String("OTP") });
        Assert.Equal(429, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "flood@example.com" })).Code);

        // Other tokenCreators are not affected; after the cooldown a new pair is made.
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "other@example.com", reCreate = true })).Code);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        Answer renewed = await app.RequestAsync(new { apiKey = app.Key, tokenCreator = "flood@example.com", reCreate = true });
        Assert.Equal(200, renewed.Code);
        Assert.NotEqual(first.String("token"), renewed.String("token"));
    }

    [Fact]
    public async Task KestrelLimitsAreSetFromConfiguration()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["MaxConnections"] = "123", ["KeepAliveSeconds"] = "7", ["MinDataBytesPerSecond"] = "999" });
        KestrelServerLimits limits = app.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(123, limits.MaxConcurrentConnections);
        Assert.Equal(TimeSpan.FromSeconds(7), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(16384, limits.MaxRequestHeadersTotalSize);
        Assert.Equal(50, limits.MaxRequestHeaderCount);
        Assert.Equal(4096, limits.MaxRequestLineSize);
        Assert.Equal(999, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.MinRequestBodyDataRate.GracePeriod);
        Assert.Equal(999, limits.MinResponseDataRate!.BytesPerSecond);
    }
}
