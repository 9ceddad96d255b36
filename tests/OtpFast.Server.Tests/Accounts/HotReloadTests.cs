using System.Diagnostics;
using OtpFast.Core.Accounts;

namespace OtpFast.Server.Tests.Accounts;

public sealed class HotReloadTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new() { ["AccountsReloadMilliseconds"] = "500" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ANewAccountWorksWithin2SecondsWithoutARestart()
    {
        string key = AccountsFile.Add(_app.AccountsPath, "newcomer", null);
        TimeSpan took = await WaitForCode(key, 200);
        Assert.True(took < TimeSpan.FromSeconds(2), $"took {took}");
    }

    [Fact]
    public async Task BlockDeactivateExpireAndRemoveReachTheRunningServer()
    {
        AccountsFile.SetState(_app.AccountsPath, "active", AccountState.SendingBlocked);
        await WaitForCode(_app.Key, 404);
        AccountsFile.SetState(_app.AccountsPath, "active", AccountState.Deactivated);
        await WaitForCode(_app.Key, 448);
        AccountsFile.SetState(_app.AccountsPath, "active", AccountState.Active);
        await WaitForCode(_app.Key, 200);
        AccountsFile.SetExpiry(_app.AccountsPath, "active", new DateOnly(2026, 1, 1));
        await WaitForCode(_app.Key, 405);
        AccountsFile.Remove(_app.AccountsPath, "active");
        await WaitForCode(_app.Key, 403);
    }

    [Fact]
    public async Task ACorruptFileWhileRunningKeepsTheLastGoodSetAndLogsTheFile()
    {
        await File.WriteAllTextAsync(_app.AccountsPath, "{\"version\":1,\"accounts\":[{\"name\":");
        await WaitUntil(() => _app.Logs.All.Contains("keeping the last good set", StringComparison.Ordinal));
        Assert.Contains(_app.AccountsPath, _app.Logs.All, StringComparison.Ordinal);
        Assert.Equal(200, (await _app.RequestAsync(new { apiKey = _app.Key })).Code);
        Assert.Equal(404, (await _app.RequestAsync(new { apiKey = _app.Keys["blocked"] })).Code);

        // Once the file is good again, it is picked up.
        File.Delete(_app.AccountsPath);
        string key = AccountsFile.Add(_app.AccountsPath, "fresh", null);
        await WaitForCode(key, 200);
        Assert.Equal(403, (await _app.RequestAsync(new { apiKey = _app.Key })).Code);
    }

    [Fact]
    public async Task AnEditThatKeepsTheSizeAndModificationTimeIsStillReloaded()
    {
        // One hex digit of the "active" account's key digest changed in place: a valid file of
        // the same size, with the old modification time put back. The old key must stop working.
        string path = _app.AccountsPath;
        var info = new FileInfo(path);
        DateTime mtime = info.LastWriteTimeUtc;
        long size = info.Length;
        string text = await File.ReadAllTextAsync(path);
        int digest = text.IndexOf("\"keySha256\": \"", text.IndexOf("\"name\": \"active\"", StringComparison.Ordinal), StringComparison.Ordinal) + "\"keySha256\": \"".Length;
        char flipped = text[digest] == '0' ? '1' : '0';
        await File.WriteAllTextAsync(path, string.Concat(text.AsSpan(0, digest), flipped.ToString(), text.AsSpan(digest + 1)));
        File.SetLastWriteTimeUtc(path, mtime);
        Assert.Equal(size, new FileInfo(path).Length);
        Assert.Equal(mtime, new FileInfo(path).LastWriteTimeUtc);

        await WaitForCode(_app.Key, 403);
        Assert.Equal(200, (await _app.RequestAsync(new { apiKey = _app.Keys["other"] })).Code);
    }

    private async Task<TimeSpan> WaitForCode(string key, int code)
    {
        var watch = Stopwatch.StartNew();
        await WaitUntil(async () => (await _app.RequestAsync(new { apiKey = key })).Code == code);
        return watch.Elapsed;
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(50);
        }
    }
}
