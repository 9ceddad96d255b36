using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OtpFast.Server.Api;

namespace OtpFast.Server.Tests.Api;

public sealed class OutsideTheApiTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthAndReadinessAnswer200(string path)
    {
        using HttpResponseMessage response = await _app.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessEndsWhenTheServerBeginsToStop()
    {
        await using TestApp app = await TestApp.StartAsync();
        var lifetime = app.App.Services.GetRequiredService<IHostApplicationLifetime>();
        var dispatcher = app.App.Services.GetRequiredService<Dispatcher>();

        var before = new DefaultHttpContext { Request = { Method = "GET", Path = "/readyz" } };
        await dispatcher.DispatchAsync(before);
        Assert.Equal(200, before.Response.StatusCode);

        lifetime.StopApplication();
        var during = new DefaultHttpContext { Request = { Method = "GET", Path = "/readyz" } };
        await dispatcher.DispatchAsync(during);
        Assert.Equal(503, during.Response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/v4")]
    [InlineData("/v4/requestOneTimeCode/extra")]
    [InlineData("/v3/requestOneTimeCode")]
    [InlineData("/v4/sendOneTimeCode")]
    public async Task UnknownPathsAnswer404WithAnEmptyBody(string path)
    {
        using HttpResponseMessage get = await _app.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(await get.Content.ReadAsStringAsync());
        using HttpResponseMessage post = await _app.Client.PostAsync(path, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Empty(await post.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MetricsCountAnswersByEndpointAndCode()
    {
        await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "m" });
        await _app.RequestAsync("bad");
        await _app.VerifyAsync("{}");
        string metrics = await _app.Client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE otpfast_answers_total counter\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_answers_total{endpoint=\"requestOneTimeCode\",code=\"200\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_answers_total{endpoint=\"requestOneTimeCode\",code=\"400\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_answers_total{endpoint=\"verifyOneTimeCode\",code=\"402\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_live_pairs 1", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_accounts 5", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_verify_outcomes_total{reason=\"mismatch\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_answers_total{endpoint=\"verifyOneTimeCode\",code=\"442\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_journal_syncs_total ", metrics, StringComparison.Ordinal);
        Assert.Contains("otpfast_gc_collections_total{generation=\"0\"} ", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsNeverContainAKeyCodeOrToken()
    {
        var (token, otp) = await _app.IssueAsync("secret-user@example.com");
        await _app.VerifyAsync(new { apiKey = _app.Key, token, otp = "000000" });
        await _app.VerifyAsync(new { apiKey = _app.Key, token, otp });
        await _app.RequestAsync(new { apiKey = "otpf_wrongwrongwrongwrongwrongwrongwr" });
        await _app.RequestAsync("{\"apiKey\":");
        // Waits for the failed reload itself, not a fixed 400 ms the 100 ms poll may miss under load.
        int before = _app.Logs.Count;
        await File.WriteAllTextAsync(_app.AccountsPath, "{ corrupt");
        await _app.Logs.WaitForEventAsync("LogReloadFailed", 1, before, TimeSpan.FromSeconds(30));

        string logs = _app.Logs.All;
        Assert.Contains("keeping the last good set", logs, StringComparison.Ordinal);
        foreach (string secret in _app.Keys.Values.Append(token).Append(otp).Append("otpf_wrongwrongwrongwrongwrongwrongwr"))
        {
            Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase);
        }
    }
}
