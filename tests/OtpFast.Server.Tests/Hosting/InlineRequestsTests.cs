using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>InlineRequests: requests on the socket's own thread by default, on the thread pool with false; both serve the API alike.</summary>
public sealed class InlineRequestsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task TheSettingPicksKestrelsSchedulingAndTheLoginFlowWorksEitherWay(string? setting, bool inline)
    {
        Dictionary<string, string?> settings = setting is null ? [] : new() { ["InlineRequests"] = setting };
        await using TestApp app = await TestApp.StartAsync(settings, sockets: true);

        Assert.Equal(inline, app.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
        Assert.Equal(inline, app.App.Services.GetRequiredService<ServerOptions>().InlineRequests);
        for (int i = 0; i < 20; i++)
        {
            (string token, string otp) = await app.IssueAsync($"user{i}");
            Answer verified = await app.VerifyAsync(new { apiKey = app.Key, token, otp });
            Assert.Equal("true", verified.String("verify"));
        }
    }

    [Fact]
    public async Task AValueThatIsNoSwitchStopsTheStart()
    {
        StartupException e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(new() { ["InlineRequests"] = "sometimes" }));
        Assert.Contains("InlineRequests", e.Message, StringComparison.Ordinal);
    }
}
