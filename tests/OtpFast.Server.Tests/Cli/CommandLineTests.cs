using System.Collections;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Cli;

/// <summary>
/// The top-level command line: an unknown verb or flag is a usage error (64) and never starts a
/// server; --help works on every verb; version prints the version and the commit.
/// </summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("unknown command 'frobnicate'.", "frobnicate")]
    [InlineData("unknown command 'acounts' (did you mean 'accounts'?).", "acounts", "list")]
    [InlineData("unknown option -V.", "-V")]
    [InlineData("unknown option --frobnicate.", "--frobnicate")]
    [InlineData("unexpected argument 'stray'.", "--urls", "http://127.0.0.1:0", "stray")]
    public void AnUnknownVerbOrFlagIsAUsageErrorNamingIt(string problem, params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(64, code);
        Assert.Equal($"otpfast: {problem}", stderr.Split('\n')[0]);
        Assert.Contains("otpfast accounts add NAME", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Theory]
    [InlineData("otpfast: unknown option --frobnicate.", "--frobnicate", "--urls", "http://127.0.0.1:0")]
    [InlineData("otpfast: --data-dir needs a value.", "--data-dir", "--urls", "http://127.0.0.1:0")]
    [InlineData("otpfast: --urls needs a value.", "--urls")]
    public void AnOptionNeverTakesTheNextOptionAsItsValue(string line, params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(64, code);
        Assert.Equal(line, stderr.Split('\n')[0]);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("--urls", "http://127.0.0.1:0", "--help")]
    [InlineData("accounts", "--help")]
    [InlineData("accounts", "add", "--help")]
    [InlineData("accounts", "list", "-h")]
    [InlineData("health", "--help")]
    [InlineData("version", "--help")]
    public void HelpWorksOnEveryVerb(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(0, code);
        Assert.Contains("otpfast ", stdout, StringComparison.Ordinal);
        Assert.Contains(args[0] is "accounts" ? "accounts add NAME" : args[0] is "health" ? "health [--url URL]" : "otpfast version", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    [InlineData("--version", "--urls", "http://127.0.0.1:0")]
    public void VersionPrintsTheVersionAndTheCommitItWasBuiltFrom(params string[] args)
    {
        var (code, stdout, _) = Run(args);
        Assert.Equal(0, code);

        // Built in a git checkout, the commit is the full hash; from a tarball it says there was none.
        string commit = Directory.Exists(Path.Combine(Build.MsBuild.RepoRoot, ".git")) || File.Exists(Path.Combine(Build.MsBuild.RepoRoot, ".git"))
            ? "[0-9a-f]{40}"
            : "unknown: built without git";
        Assert.Matches($"^otpfast [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit {commit}\\)\n$", stdout.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--max-verfy-attempts", "--max-verify-attempts")]
    [InlineData("--MaxVerfyAttempts", "--MaxVerifyAttempts")]
    [InlineData("--datadir2", "--DataDir")]
    [InlineData("--Durabilty", "--Durability")]
    public void AMisspeltSettingOnTheCommandLineRefusesToStartNamingTheNearest(string typo, string nearest)
    {
        var (code, stdout, stderr) = Run(typo, "3", "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: the command-line setting {typo} is not an OtpFast setting (did you mean {nearest}?); see Configuration in the README for the settings there are.",
            Stderr.OneLine(stderr));
        Assert.Empty(stdout);
    }

    [Fact]
    public void AMisspeltOtpfastEnvironmentVariableRefusesToStartNamingTheNearest()
    {
        var (code, _, stderr) = Run(new Hashtable { ["OTPFAST_MaxVerfyAttempts"] = "3", ["PATH"] = "/bin" }, "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            "otpfast: cannot start: the environment variable OTPFAST_MaxVerfyAttempts is not an OtpFast setting (did you mean OTPFAST_MaxVerifyAttempts?); see Configuration in the README for the settings there are.",
            Stderr.OneLine(stderr));
    }

    [Theory]
    [InlineData("Urls")]
    [InlineData("urls")]
    [InlineData("AllowedHosts")]
    [InlineData("Logging:LogLevel:Default")]
    [InlineData("Logging:Console:FormatterName")]
    [InlineData("Kestrel:Certificates:Default:Path")]
    [InlineData("Kestrel:Limits:MaxConcurrentConnections")]
    [InlineData("MaxVerifyAttempts")]
    [InlineData("maxfailedverifiespercreator")]
    [InlineData("FailedVerifyWindowSeconds")]
    public void StandardAspNetKeysAndOurOwnAreSettings(string key)
    {
        SettingNames.RefuseUnknown([("--" + key, key)], new Hashtable { ["OTPFAST_" + key.Replace(":", "__", StringComparison.Ordinal)] = "x" });
        Assert.True(SettingNames.IsKnown(key));
    }

    [Theory]
    [InlineData("MaxVerfyAttempts")]
    [InlineData("Logging2:LogLevel:Default")]
    [InlineData("Kestrelx")]
    [InlineData("data-dir")]
    public void OtherKeysAreNot(string key) => Assert.False(SettingNames.IsKnown(key));

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => MainRun.Run(args);

    private static (int Code, string Stdout, string Stderr) Run(IDictionary environment, params string[] args) => MainRun.Run(environment, args);
}
