using System.Net;
using System.Net.Sockets;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>
/// Every way the server can fail to start outside the data directory (see DataDirectoryTests for
/// that): exit code 2 and one line of our own naming the cause and the fix, never an unhandled
/// exception with .NET resource keys and a stack trace.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private const string UrlsFix = "give --urls http://HOST:PORT (several separated by ';'), e.g. http://127.0.0.1:5080.";

    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-startfail-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task APortInUseExitsTwoWithOneLineNamingTheAddressAndReleasesTheDataDirectory()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (code, stderr) = RunServer("--urls", url);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal($"otpfast: cannot start: {url} is already in use by another process; stop that process or choose another --urls.", Stderr.OneLine(stderr));

        // The failed start let go of the data directory's lock.
        await using TestApp app = await TestApp.StartAsync(dataDir: _dir, seedAccounts: false);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:70000", "has the port '70000', not a number from 0 to 65535; ")]
    [InlineData("http://127.0.0.1:-1", "has the port '-1', not a number from 0 to 65535; ")]
    [InlineData("http://127.0.0.1:port", "has the port 'port', not a number from 0 to 65535; ")]
    [InlineData("foo", "is not an http:// or https:// URL; ")]
    [InlineData("ftp://127.0.0.1:21", "is not an http:// or https:// URL; ")]
    [InlineData("http://:5080", "names no host; ")]
    [InlineData("http://127.0.0.1:5080/otp", "has a path; OtpFast answers at the root, so ")]
    public void ABadUrlExitsTwoWithOneLineNamingIt(string url, string problem)
    {
        var (code, stderr) = RunServer("--urls", url);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal($"otpfast: cannot start: Urls: '{url}' {problem}{UrlsFix}", Stderr.OneLine(stderr));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://*:0;http://[::1]:0")]
    [InlineData("http://+:5080/")]
    [InlineData("https://localhost:0")]
    [InlineData("http://unix:/run/otpfast.sock")]
    public void GoodUrlsPassTheCheck(string urls) => HostSettingsCheck.CheckUrls(urls);

    [Theory]
    [InlineData("--Logging:LogLevel:Default", "Bogus")]
    [InlineData("--Logging:LogLevel:Microsoft.AspNetCore", "loud")]
    [InlineData("--Logging:Console:LogLevel:Default", "Verbose")]
    public void ABadLogLevelExitsTwoWithOneLineNamingTheKey(string setting, string value)
    {
        var (code, stderr) = RunServer(setting, value);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: {setting[2..]} must be one of Trace, Debug, Information, Warning, Error, Critical, None; got '{value}'.",
            Stderr.OneLine(stderr));
    }

    [Fact]
    public void AnEmptyDataDirExitsTwoSayingWhatToGive()
    {
        var (code, _, stderr) = MainRun.Run("--data-dir", "", "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal("otpfast: DataDir must not be empty; give --data-dir DIR.", Stderr.OneLine(stderr));
    }

    [MountFact]
    public void AMissingDataDirectoryThatCannotBeCreatedExitsTwoWithOneLine()
    {
        using Tmpfs disk = Tmpfs.Mount();
        disk.MakeReadOnly();
        string missing = Path.Combine(disk.Path, "otp", "data");
        var (code, _, stderr) = MainRun.Run("--data-dir", missing, "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: cannot create the data directory {missing}: read-only file system (EROFS); make the data directory writable, or choose another --data-dir.",
            Stderr.OneLine(stderr));
    }

    private (int Code, string Stderr) RunServer(params string[] args)
    {
        var (code, _, stderr) = MainRun.Run(["--data-dir", _dir, .. args]);
        return (code, stderr);
    }
}
