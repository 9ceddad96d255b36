using Microsoft.Extensions.DependencyInjection;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>InlineRequests: socket completions on the event thread when asked (off by default); both ways serve the API alike.</summary>
public sealed class InlineRequestsTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task TheLoginFlowWorksEitherWay(string? setting, bool inline)
    {
        Dictionary<string, string?> settings = setting is null ? [] : new() { ["InlineRequests"] = setting };
        await using TestApp app = await TestApp.StartAsync(settings, sockets: true);

        Assert.Equal(inline, app.App.Services.GetRequiredService<ServerOptions>().InlineRequests);
        if (inline)
        {
            // Set for the runtime to read at the process's first socket (the tests' process made
            // sockets before, so here it shows only that the server asks for it).
            Assert.Equal("1", Environment.GetEnvironmentVariable(InlineRequests.InlineCompletionsVariable));
        }

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
