using OtpFast.Core.Accounts;
using OtpFast.Server.Cli;

namespace OtpFast.Server.Tests.Cli;

public sealed class AccountsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AddPrintsTheKeyAsTheLastLineAndNothingElseSecret()
    {
        var (code, stdout, stderr) = Run("add", "shop", "--expires", "2031-02-03");
        Assert.Equal(0, code);
        string[] lines = stdout.TrimEnd().Split('\n');
        string key = lines[^1].Trim();
        Assert.Matches("^otpf_[a-z2-7]{32}$", key);
        Assert.Single(lines, l => l.Contains("otpf_", StringComparison.Ordinal));
        Assert.Empty(stderr);
        Assert.True(AccountsFile.Load(AccountsFile.PathIn(_dir)).TryFind(System.Text.Encoding.UTF8.GetBytes(key), out Account account));
        Assert.Equal(new DateOnly(2031, 2, 3), account.ExpiresOn);
    }

    [Fact]
    public void ListShowsNamesAndStatesButNeverKeys()
    {
        string key = LastLine(Run("add", "shop").Stdout);
        Run("add", "bank");
        Run("block", "bank");
        var (code, stdout, _) = Run("list");
        Assert.Equal(0, code);
        Assert.Contains("shop", stdout, StringComparison.Ordinal);
        Assert.Matches(@"bank\s+\d+\s+sending-blocked", stdout);
        Assert.DoesNotContain(key, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("otpf_", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("block", "sending-blocked")]
    [InlineData("deactivate", "deactivated")]
    [InlineData("activate", "active")]
    public void StateVerbsSetTheState(string verb, string state)
    {
        Run("add", "shop");
        Assert.Equal(0, Run(verb, "shop").Code);
        Assert.Matches($@"shop\s+\d+\s+{state}\s", Run("list").Stdout);
    }

    [Fact]
    public void UnblockRestoresABlockedAccountButNotADeactivatedOne()
    {
        Run("add", "shop");
        Run("block", "shop");
        Assert.Equal(0, Run("unblock", "shop").Code);
        Assert.Matches(@"shop\s+\d+\s+active\s", Run("list").Stdout);
        Run("deactivate", "shop");
        var (code, _, stderr) = Run("unblock", "shop");
        Assert.Equal(1, code);
        Assert.Contains("activate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpireSetsAndClearsTheDate()
    {
        Run("add", "shop");
        Assert.Equal(0, Run("expire", "shop", "2027-03-04").Code);
        Assert.Matches(@"shop\s+\d+\s+active\s+2027-03-04", Run("list").Stdout);
        Assert.Equal(0, Run("expire", "shop", "never").Code);
        Assert.Matches(@"shop\s+\d+\s+active\s+never", Run("list").Stdout);
        Assert.Equal(64, Run("expire", "shop", "04/03/2027").Code);
    }

    [Fact]
    public void RateIsSetAtAddAndByTheRateVerb()
    {
        Run("add", "shop", "--rate", "20");
        Assert.Matches(@"shop\s+\d+\s+active\s+never\s+20", Run("list").Stdout);
        Assert.Equal(0, Run("rate", "shop", "unlimited").Code);
        Assert.Matches(@"shop\s+\d+\s+active\s+never\s+unlimited", Run("list").Stdout);
        Assert.Equal(0, Run("rate", "shop", "default").Code);
        Assert.Matches(@"shop\s+\d+\s+active\s+never\s+default", Run("list").Stdout);
        Assert.Equal(64, Run("rate", "shop", "-3").Code);
        Assert.Equal(64, Run("add", "bank", "--rate", "fast").Code);
    }

    [Fact]
    public void RemoveDeletesTheAccount()
    {
        Run("add", "shop");
        Assert.Equal(0, Run("remove", "shop").Code);
        Assert.DoesNotContain("shop", Run("list").Stdout, StringComparison.Ordinal);
        Assert.Equal(1, Run("remove", "shop").Code);
    }

    // Issue 11, item 10.
    [Fact]
    public void RotatePrintsANewKeyLastKeepsTheOldOneForTheGraceAndListShowsIt()
    {
        string old = LastLine(Run("add", "shop").Stdout);
        var (code, stdout, stderr) = Run("rotate", "shop", "--grace", "2");
        Assert.Equal(0, code);
        Assert.Empty(stderr);
        string[] lines = stdout.TrimEnd().Split('\n');
        string fresh = lines[^1].Trim();
        Assert.Matches("^otpf_[a-z2-7]{32}$", fresh);
        Assert.Single(lines, l => l.Contains("otpf_", StringComparison.Ordinal));
        Assert.Contains("the old key keeps working until", stdout, StringComparison.Ordinal);

        AccountDirectory accounts = AccountsFile.Load(AccountsFile.PathIn(_dir));
        Assert.True(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(fresh), out Account byNew));
        Assert.True(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(old), out Account byOld));
        Assert.Equal(byNew.Id, byOld.Id);
        Assert.InRange(byNew.PreviousKey!.Until - DateTimeOffset.UtcNow, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(2));

        string list = Run("list").Stdout;
        Assert.Matches(@"shop\s+\d+\s+active\s+never\s+default\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", list);
        Assert.DoesNotContain("otpf_", list, StringComparison.Ordinal);
    }

    [Fact]
    public void RotateByDefaultKeepsTheOldKeyADayAndWithGraceZeroNotAtAll()
    {
        string first = LastLine(Run("add", "shop").Stdout);
        string second = LastLine(Run("rotate", "shop").Stdout);
        AccountDirectory accounts = AccountsFile.Load(AccountsFile.PathIn(_dir));
        Assert.True(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(first), out Account account));
        Assert.InRange(account.PreviousKey!.Until - DateTimeOffset.UtcNow, TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(24) + TimeSpan.FromSeconds(2));

        string third = LastLine(Run("rotate", "shop", "--grace", "0").Stdout);
        accounts = AccountsFile.Load(AccountsFile.PathIn(_dir));
        Assert.False(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(first), out _));
        Assert.False(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(second), out _));
        Assert.True(accounts.TryFind(System.Text.Encoding.UTF8.GetBytes(third), out _));
        Assert.Matches(@"shop\s+\d+\s+active\s+never\s+default\s+-", Run("list").Stdout);
    }

    [Theory]
    [InlineData(new string[0], 64)]
    [InlineData(new[] { "frobnicate", "x" }, 64)]
    [InlineData(new[] { "add" }, 64)]
    [InlineData(new[] { "add", "a", "b" }, 64)]
    [InlineData(new[] { "block", "a", "--expires", "2030-01-01" }, 64)]
    [InlineData(new[] { "add", "a", "--expires", "tomorrow" }, 64)]
    [InlineData(new[] { "add", "bad name" }, 64)]
    [InlineData(new[] { "add", "bad/name" }, 64)]
    [InlineData(new[] { "block", "../x" }, 64)]
    [InlineData(new[] { "list", "--data-dir", "--rate", "5" }, 64)]
    [InlineData(new[] { "list", "--colour" }, 64)]
    [InlineData(new[] { "block", "nobody" }, 1)]
    [InlineData(new[] { "rotate" }, 64)]
    [InlineData(new[] { "rotate", "shop", "--grace", "soon" }, 64)]
    [InlineData(new[] { "rotate", "shop", "--grace", "-1" }, 64)]
    [InlineData(new[] { "add", "shop", "--grace", "2" }, 64)]
    [InlineData(new[] { "rotate", "nobody" }, 1)]
    public void MistakesExitNonZeroWithAMessage(string[] args, int expected)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(expected, code);
        Assert.StartsWith("otpfast accounts:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorruptFileIsReportedNotOverwritten()
    {
        string path = AccountsFile.PathIn(_dir);
        File.WriteAllText(path, "{ not json");
        var (code, _, stderr) = Run("add", "shop");
        Assert.Equal(1, code);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        Assert.Equal("{ not json", File.ReadAllText(path));
    }

    [Fact]
    public void AnEditUnderARegularFileExitsOneWithOneLineNamingTheFile()
    {
        string file = Path.Combine(_dir, "not-a-dir");
        File.WriteAllText(file, "x");
        var (code, stdout, stderr) = RunIn(Path.Combine(file, "data"), "add", "shop");
        Assert.Equal(1, code);
        Assert.Equal($"otpfast accounts: cannot create the data directory {file}/data: {file} is a file, not a directory", Stderr.OneLine(stderr));
        Assert.Empty(stdout);
    }

    [Fact]
    public void AnAccountsLockHeldForMoreThanFiveSecondsEndsWithOneLineNamingTheLock()
    {
        Run("add", "shop");
        string lockPath = AccountsFile.PathIn(_dir) + ".lock";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int code;
        string stderr;
        using (new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            (code, _, stderr) = Run("block", "shop");
        }

        Assert.Equal(1, code);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(5), $"gave up after {watch.Elapsed}");
        Assert.Equal($"otpfast accounts: the accounts file is locked by another process for more than 5 s: {lockPath}", Stderr.OneLine(stderr));
        Assert.Matches(@"shop\s+\d+\s+active\s", Run("list").Stdout);

        // Once the lock is free, the same edit goes through.
        Assert.Equal(0, Run("block", "shop").Code);
    }

    [MountFact]
    public void AddOnAFullDiskExitsOneWithOneLineLeavesTheFileAsItWasAndNoTemp()
    {
        using Tmpfs disk = Tmpfs.Mount();
        string path = AccountsFile.PathIn(disk.Path);
        Assert.Equal(0, RunIn(disk.Path, "add", "shop").Code);
        byte[] before = File.ReadAllBytes(path);
        disk.Fill();

        var (code, stdout, stderr) = RunIn(disk.Path, "add", "bank");
        Assert.Equal(1, code);
        Assert.Equal($"otpfast accounts: cannot write {path}: no space left on device (ENOSPC)", Stderr.OneLine(stderr));
        Assert.DoesNotContain("otpf_", stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [MountFact]
    public void AnEditOnAReadOnlyDataDirectoryExitsOneWithOneLine()
    {
        using Tmpfs disk = Tmpfs.Mount();
        Assert.Equal(0, RunIn(disk.Path, "add", "shop").Code);
        disk.MakeReadOnly();

        var (code, _, stderr) = RunIn(disk.Path, "block", "shop");
        Assert.Equal(1, code);
        Assert.Equal(
            $"otpfast accounts: cannot open the lock file {AccountsFile.PathIn(disk.Path)}.lock: read-only file system (EROFS)",
            Stderr.OneLine(stderr));
        Assert.Matches(@"shop\s+\d+\s+active\s", RunIn(disk.Path, "list").Stdout);
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].Trim();

    private (int Code, string Stdout, string Stderr) Run(params string[] args) => RunIn(_dir, args);

    private static (int Code, string Stdout, string Stderr) RunIn(string dataDir, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = AccountsCommand.Run([.. args, "--data-dir", dataDir], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
