using OtpFast.Server.Cli;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>One server per data directory, and every way the data directory can fail at start: one line, exit code 2.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-datadir-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ASecondServerOnTheSameDataDirectoryRefusesToStartNamingTheDirectoryAndThePid()
    {
        string key;
        await using (TestApp first = await TestApp.StartAsync(dataDir: _dir))
        {
            key = first.Key;
            var e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(dataDir: _dir));
            Assert.Equal(
                $"cannot start: the data directory {_dir} is in use by another OtpFast server (PID {Environment.ProcessId}); stop it or choose another --data-dir.",
                e.Message);

            // The refused one changed nothing for the first.
            Assert.Equal(200, (await first.RequestAsync(new { apiKey = key })).Code);
            Assert.Equal($"{Environment.ProcessId}\n", await File.ReadAllTextAsync(Path.Combine(_dir, "otpfast.pid")));
        }

        // Disposing the first released the lock: the next server starts, and the one after it too.
        Assert.False(File.Exists(Path.Combine(_dir, "otpfast.pid")));
        await using (TestApp second = await TestApp.StartAsync(dataDir: _dir))
        {
            Assert.Equal(200, (await second.RequestAsync(new { apiKey = key })).Code);
        }

        await using TestApp third = await TestApp.StartAsync(dataDir: _dir);
        Assert.Equal(200, (await third.RequestAsync(new { apiKey = key })).Code);
    }

    [Fact]
    public async Task ASecondServerStartedFromTheCommandLineExitsTwoWithOneLine()
    {
        await using TestApp first = await TestApp.StartAsync(dataDir: _dir);
        var (code, stdout, stderr) = RunServer(_dir);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: the data directory {_dir} is in use by another OtpFast server (PID {Environment.ProcessId}); stop it or choose another --data-dir.",
            Stderr.OneLine(stderr));
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task TheAccountsCliWorksBesideARunningServer()
    {
        await using TestApp app = await TestApp.StartAsync(dataDir: _dir);
        var stdout = new StringWriter();
        Assert.Equal(AccountsCommand.Ok, AccountsCommand.Run(["add", "beside", "--data-dir", _dir], stdout, new StringWriter()));
        string key = stdout.ToString().TrimEnd().Split('\n')[^1];

        int answer = 0;
        for (int i = 0; i < 50 && answer != 200; i++)
        {
            await Task.Delay(100);
            answer = (await app.RequestAsync(new { apiKey = key })).Code;
        }

        Assert.Equal(200, answer);
    }

    [Fact]
    public async Task ADataDirectoryUnderARegularFileExitsTwoWithOneLineNamingTheFile()
    {
        string file = Path.Combine(_dir, "not-a-dir");
        await File.WriteAllTextAsync(file, "x");
        var (code, _, stderr) = RunServer(Path.Combine(file, "data"));
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: cannot create the data directory {file}/data: {file} is a file, not a directory; choose another --data-dir.",
            Stderr.OneLine(stderr));
    }

    [Fact]
    public async Task ADataDirectoryThatIsARegularFileRefusesToStart()
    {
        string file = Path.Combine(_dir, "not-a-dir");
        await File.WriteAllTextAsync(file, "x");
        var e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(dataDir: file, seedAccounts: false));
        Assert.Equal($"cannot start: cannot create the data directory {file}: it is a file, not a directory; choose another --data-dir.", e.Message);
    }

    [MountFact]
    public void AFirstStartOnAReadOnlyDataDirectoryExitsTwoWithOneLineAndWritesNothing()
    {
        using Tmpfs disk = Tmpfs.Mount();
        disk.MakeReadOnly();
        var (code, stdout, stderr) = RunServer(disk.Path);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: cannot open the lock file {disk.Path}/otpfast.lock: read-only file system (EROFS); make the data directory writable, or choose another --data-dir.",
            Stderr.OneLine(stderr));
        Assert.Empty(stdout);
        Assert.Empty(Directory.GetFileSystemEntries(disk.Path));
    }

    [MountFact]
    public async Task AFirstStartOnAFullDiskExitsTwoWithOneLineLeavesNoTempAndReleasesTheLock()
    {
        using Tmpfs disk = Tmpfs.Mount();
        disk.Fill();
        var (code, stdout, stderr) = RunServer(disk.Path);
        Assert.Equal(ExitCodes.CannotStart, code);
        Assert.Equal(
            $"otpfast: cannot start: cannot write {disk.Path}/accounts.json: no space left on device (ENOSPC); free space on its file system, or choose another --data-dir.",
            Stderr.OneLine(stderr));
        Assert.DoesNotContain("otpf_", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(disk.Path, "accounts.json")));
        Assert.False(File.Exists(Path.Combine(disk.Path, "accounts.json.tmp")));

        // The failed start let go of the data directory: once there is space, a server starts there.
        disk.Empty();
        await using TestApp app = await TestApp.StartAsync(dataDir: disk.Path, seedAccounts: false);
        Assert.Contains("otpf_", app.Console, StringComparison.Ordinal);
    }

    private static (int Code, string Stdout, string Stderr) RunServer(string dataDir) =>
        MainRun.Run("--data-dir", dataDir, "--urls", "http://127.0.0.1:0");
}
