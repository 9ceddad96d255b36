using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Server.Tests.Hosting;

public sealed class RestartTests
{
    [Fact]
    public async Task PairsAndAttemptCountsSurviveAGracefulRestart()
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-restart-").FullName;
        var settings = new Dictionary<string, string?> { ["MaxVerifyAttempts"] = "2" };
        string key;
        (string Token, string Otp) kept, guessed;
        await using (TestApp first = await TestApp.StartAsync(settings, dataDir: dir))
        {
            key = first.Key;
            kept = await first.IssueAsync("kept@example.com");
            guessed = await first.IssueAsync("guessed@example.com");
            Answer miss = await first.VerifyAsync(new { apiKey = key, token = guessed.Token, otp = "000000" == guessed.Otp ? "111111" : "000000" });
            Assert.Equal("mismatch", miss.String("reason"));
        }

        Assert.True(File.Exists(SnapshotFile.PathIn(dir)));
        await using TestApp second = await TestApp.StartAsync(settings, dataDir: dir);
        Assert.Contains("Snapshot loaded: 2 pairs restored", second.Logs.All, StringComparison.Ordinal);
        Assert.Equal("true", (await second.VerifyAsync(new { apiKey = key, token = kept.Token, otp = kept.Otp })).String("verify"));

        // The attempt made before the restart still counts: one more wrong code locks the pair.
        await second.VerifyAsync(new { apiKey = key, token = guessed.Token, otp = "000000" == guessed.Otp ? "111111" : "000000" });
        Assert.Equal("locked", (await second.VerifyAsync(new { apiKey = key, token = guessed.Token, otp = guessed.Otp })).String("reason"));

        // reCreate=false after the restart returns the same live pair.
        var again = await second.RequestAsync(new { apiKey = key, tokenCreator = "guessed@example.com", reCreate = true });
        var same = await second.RequestAsync(new { apiKey = key, tokenCreator = "guessed@example.com" });
        Assert.Equal(again.String("token"), same.String("token"));
    }

    [Fact]
    public async Task ACorruptSnapshotIsMovedAsideLoggedAndTheServerStarts()
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-badsnap-").FullName;
        string key;
        await using (TestApp first = await TestApp.StartAsync(dataDir: dir))
        {
            key = first.Key;
            await first.IssueAsync("x");
        }

        string path = SnapshotFile.PathIn(dir);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^3]);

        await using TestApp second = await TestApp.StartAsync(dataDir: dir);
        Assert.Contains("is unusable", second.Logs.All, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir, "pairs.snapshot.corrupt-*"));
        Assert.Equal(200, (await second.RequestAsync(new { apiKey = key, tokenCreator = "x" })).Code);
    }
}
