using System.Text;
using OtpFast.Core.Accounts;

namespace OtpFast.Core.Tests.Accounts;

public sealed class AccountsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-accounts-").FullName;

    private string Path => AccountsFile.PathIn(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AnAddedAccountRoundTripsAndIsFoundByItsKeyOnly()
    {
        string key = AccountsFile.Add(Path, "shop", new DateOnly(2030, 1, 31));
        string other = AccountsFile.Add(Path, "bank", null);
        AccountDirectory loaded = AccountsFile.Load(Path);

        Assert.True(loaded.TryFind(Encoding.UTF8.GetBytes(key), out Account shop));
        Assert.Equal("shop", shop.Name);
        Assert.Equal(AccountState.Active, shop.State);
        Assert.Equal(new DateOnly(2030, 1, 31), shop.ExpiresOn);
        Assert.True(loaded.TryFind(Encoding.UTF8.GetBytes(other), out Account bank));
        Assert.NotEqual(shop.Id, bank.Id);
        Assert.False(loaded.TryFind(Encoding.UTF8.GetBytes(key + "x"), out _));
        Assert.False(loaded.TryFind(Encoding.UTF8.GetBytes(key.ToUpperInvariant()), out _));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheFileHoldsDigestsNeverKeysAndIsPrivate()
    {
        string key = AccountsFile.Add(Path, "shop", null);
        string text = File.ReadAllText(Path);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(key[ApiKey.Prefix.Length..], text, StringComparison.Ordinal);
        Assert.Contains(KeyDigest.Of(Encoding.UTF8.GetBytes(key)).ToHex(), text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path));
    }

    [Fact]
    public void StateExpiryAndRemovalAreSaved()
    {
        string key = AccountsFile.Add(Path, "shop", null);
        byte[] keyBytes = Encoding.UTF8.GetBytes(key);
        AccountsFile.SetState(Path, "shop", AccountState.SendingBlocked);
        AccountsFile.Load(Path).TryFind(keyBytes, out Account blocked);
        Assert.Equal(AccountState.SendingBlocked, blocked.State);

        AccountsFile.SetExpiry(Path, "shop", new DateOnly(2027, 5, 1));
        AccountsFile.Load(Path).TryFind(keyBytes, out Account expiring);
        Assert.Equal(new DateOnly(2027, 5, 1), expiring.ExpiresOn);
        Assert.True(expiring.IsExpiredOn(new DateOnly(2027, 5, 2)));
        Assert.False(expiring.IsExpiredOn(new DateOnly(2027, 5, 1)));

        AccountsFile.Remove(Path, "shop");
        Assert.False(AccountsFile.Load(Path).TryFind(keyBytes, out _));
    }

    [Fact]
    public void ANegativeRateIsRefusedAndTheFileKeepsItsRate()
    {
        AccountsFile.Add(Path, "shop", null, ratePerSecond: 20);
        Assert.Throws<AccountsFileException>(() => AccountsFile.SetRate(Path, "shop", -1));
        Assert.Throws<AccountsFileException>(() => AccountsFile.Add(Path, "bank", null, ratePerSecond: -5));
        Assert.Equal(20, AccountsFile.Load(Path).Accounts.Single(a => a.Name == "shop").RatePerSecond);
        Assert.DoesNotContain(AccountsFile.Load(Path).Accounts, a => a.Name == "bank");
    }

    [Fact]
    public void IdsAreNeverReusedAfterARemoval()
    {
        AccountsFile.Add(Path, "a", null);
        AccountsFile.Add(Path, "b", null);
        int removedId = AccountsFile.Load(Path).Accounts.Single(a => a.Name == "b").Id;
        AccountsFile.Remove(Path, "b");
        AccountsFile.Add(Path, "c", null);
        Assert.NotEqual(removedId, AccountsFile.Load(Path).Accounts.Single(a => a.Name == "c").Id);
    }

    [Fact]
    public void DuplicateAndInvalidNamesAreRefused()
    {
        AccountsFile.Add(Path, "shop", null);
        Assert.Throws<AccountsFileException>(() => AccountsFile.Add(Path, "shop", null));
        Assert.Throws<AccountsFileException>(() => AccountsFile.Add(Path, "has space", null));
        Assert.Throws<AccountsFileException>(() => AccountsFile.Add(Path, new string('a', 65), null));
        Assert.Throws<AccountsFileException>(() => AccountsFile.SetState(Path, "nobody", AccountState.Active));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"version":2,"nextId":1,"accounts":[]}""")]
    [InlineData("""{"version":1,"nextId":2,"accounts":[{"id":1,"name":"a","keySha256":"xyz","state":"active"}]}""")]
    [InlineData("""{"version":1,"nextId":2,"accounts":[{"id":1,"name":"a","keySha256":"0000000000000000000000000000000000000000000000000000000000000000","state":"asleep"}]}""")]
    [InlineData("""{"version":1,"nextId":2,"accounts":[{"id":1,"name":"a","keySha256":"0000000000000000000000000000000000000000000000000000000000000000","state":"active","expires":"31/12/2030"}]}""")]
    [InlineData("""{"version":1,"nextId":3,"accounts":[{"id":1,"name":"a","keySha256":"0000000000000000000000000000000000000000000000000000000000000000","state":"active"},{"id":2,"name":"b","keySha256":"0000000000000000000000000000000000000000000000000000000000000000","state":"active"}]}""")]
    [InlineData("""{"version":1,"nextId":1,"accounts":[{"id":1,"name":"a","keySha256":"0000000000000000000000000000000000000000000000000000000000000000","state":"active"}]}""")]
    public void ACorruptFileIsRefusedWithAMessageNamingIt(string content)
    {
        File.WriteAllText(Path, content);
        var e = Assert.Throws<AccountsFileException>(() => AccountsFile.Load(Path));
        Assert.Contains(Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFileIsRefused()
    {
        var e = Assert.Throws<AccountsFileException>(() => AccountsFile.Load(Path));
        Assert.Contains(Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrentAddsAreAllKept()
    {
        var names = Enumerable.Range(0, 16).Select(i => $"acct{i}").ToArray();
        Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = 4 }, name => AccountsFile.Add(Path, name, null));
        Assert.Equal(names.Order(), AccountsFile.Load(Path).Accounts.Select(a => a.Name).Order());
    }

    [Fact]
    public void NewKeysAreDistinctAndWellFormed()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKey.Create()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.Matches("^otpf_[a-z2-7]{32}$", k));
    }
}
