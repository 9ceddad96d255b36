using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Accounts;

namespace OtpFast.Core.Tests.Accounts;

/// <summary>Issue 11, item 10: a new key without a moment in which neither works, the account unchanged.</summary>
public sealed class KeyRotationTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-rotate-").FullName;

    private string Path => AccountsFile.PathIn(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BothKeysFindTheSameAccountUntilTheGraceEndsThenOnlyTheNewOne()
    {
        string old = AccountsFile.Add(Path, "shop", null);
        int id = Find(AccountsFile.Load(Path), old, Now)!.Id;
        string fresh = AccountsFile.Rotate(Path, "shop", TimeSpan.FromHours(24), Now);
        AccountDirectory loaded = AccountsFile.Load(Path);

        Assert.NotEqual(old, fresh);
        Assert.Equal(id, Find(loaded, fresh, Now)!.Id);
        Assert.Equal(id, Find(loaded, old, Now)!.Id);
        Assert.Equal(id, Find(loaded, old, Now.AddHours(24).AddSeconds(-1))!.Id);
        Assert.Null(Find(loaded, old, Now.AddHours(24)));
        Assert.Equal(id, Find(loaded, fresh, Now.AddYears(1))!.Id);
        Assert.Equal(new PreviousKey(KeyDigest.Of(Encoding.UTF8.GetBytes(old)), Now.AddHours(24)), loaded.Accounts.Single().PreviousKey);
    }

    [Fact]
    public void AZeroGraceStopsTheOldKeyAtOnce()
    {
        string old = AccountsFile.Add(Path, "shop", null);
        string fresh = AccountsFile.Rotate(Path, "shop", TimeSpan.Zero, Now);
        AccountDirectory loaded = AccountsFile.Load(Path);
        Assert.Null(Find(loaded, old, Now));
        Assert.NotNull(Find(loaded, fresh, Now));
        Assert.Null(loaded.Accounts.Single().PreviousKey);
    }

    [Fact]
    public void ASecondRotationStopsTheFirstOldKeyAtOnce()
    {
        string first = AccountsFile.Add(Path, "shop", null);
        string second = AccountsFile.Rotate(Path, "shop", TimeSpan.FromHours(24), Now);
        string third = AccountsFile.Rotate(Path, "shop", TimeSpan.FromHours(1), Now.AddMinutes(5));
        AccountDirectory loaded = AccountsFile.Load(Path);
        Assert.Null(Find(loaded, first, Now.AddMinutes(5)));
        Assert.NotNull(Find(loaded, second, Now.AddMinutes(5)));
        Assert.NotNull(Find(loaded, third, Now.AddMinutes(5)));
    }

    [Fact]
    public void TheFileNeverHoldsAKeyAndABadPreviousKeyIsRefused()
    {
        string old = AccountsFile.Add(Path, "shop", null);
        string fresh = AccountsFile.Rotate(Path, "shop", TimeSpan.FromHours(1), Now);
        string text = File.ReadAllText(Path);
        Assert.DoesNotContain(old, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fresh, text, StringComparison.Ordinal);
        Assert.Contains("\"previousKeyUntil\": \"2026-11-28T13:00:00Z\"", text, StringComparison.Ordinal);

        File.WriteAllText(Path, text.Replace("2026-11-28T13:00:00Z", "tomorrow", StringComparison.Ordinal));
        Assert.Contains("previousKeyUntil", Assert.Throws<AccountsFileException>(() => AccountsFile.Load(Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RotatingAnUnknownAccountChangesNothing()
    {
        AccountsFile.Add(Path, "shop", null);
        string before = File.ReadAllText(Path);
        Assert.Throws<AccountsFileException>(() => AccountsFile.Rotate(Path, "nobody", TimeSpan.FromHours(1), Now));
        Assert.Equal(before, File.ReadAllText(Path));
    }

    private static Account? Find(AccountDirectory directory, string key, DateTimeOffset at) =>
        directory.TryFind(Encoding.UTF8.GetBytes(key), new FakeTimeProvider(at), out Account account) ? account : null;
}
