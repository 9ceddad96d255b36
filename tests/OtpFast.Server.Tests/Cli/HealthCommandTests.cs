using OtpFast.Server.Cli;

namespace OtpFast.Server.Tests.Cli;

/// <summary><c>otpfast health</c> says which URL it tried, whatever the outcome.</summary>
public sealed class HealthCommandTests
{
    [Fact]
    public async Task AHealthyServerIsReportedWithTheUrl()
    {
        await using TestApp app = await TestApp.StartAsync(sockets: true);
        string url = $"http://127.0.0.1:{app.Port}/healthz";
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        // The command's 3 s (for a container HEALTHCHECK) is not what this test is about: on a
        // loaded CI machine a fresh server's first answer once took longer, and the test failed.
        Assert.True(HealthCommand.Run(["--url", url], stdout, stderr, TimeSpan.FromSeconds(30)) == 0, stderr.ToString());
        Assert.Equal($"healthy: {url}", stdout.ToString().Trim());
    }

    [Fact]
    public void NoServerIsReportedWithTheUrlTried()
    {
        // A port nobody listens on: bound, then released.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var stderr = new StringWriter();
        Assert.Equal(1, HealthCommand.Run(["--url", $"http://127.0.0.1:{port}/healthz"], new StringWriter(), stderr, TimeSpan.FromSeconds(30)));
        Assert.Equal(
            $"otpfast health: no answer from http://127.0.0.1:{port}/healthz: connection refused (is the server running on that port?)",
            Stderr.OneLine(stderr.ToString()));
    }

    [Theory]
    [InlineData("--url")]
    [InlineData("--url", "--help2")]
    [InlineData("--uri", "http://127.0.0.1:5080/healthz")]
    public void AMalformedCommandLineIsAUsageError(params string[] args)
    {
        var stderr = new StringWriter();
        Assert.Equal(64, HealthCommand.Run(args, new StringWriter(), stderr));
        Assert.StartsWith("otpfast health: ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("otpfast health [--url URL]", stderr.ToString(), StringComparison.Ordinal);
    }
}
