using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Accounts;

namespace OtpFast.Core.Tests.Accounts;

/// <summary>Keys found once are found again from the directory's cache of found keys, and nothing else is.</summary>
public sealed class AccountDirectoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EveryKeyFindsItsOwnAccountEveryTimeThoughKeysShareCacheSlots()
    {
        // 300 keys in 1,024 slots: several share a slot, so a slot's hash must be compared whole.
        string[] keys = [.. Enumerable.Range(0, 300).Select(i => $"KEY{i:D4}ABCDEFGHIJKLMNOPQRSTUV")];
        var directory = new AccountDirectory(keys.Select((k, i) => NewAccount(i + 1, k)));

        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(keys[i]), out Account found));
                Assert.Equal(i + 1, found.Id);
            }
        }
    }

    [Theory]
    [InlineData("KEY0001ABCDEFGHIJKLMNOPQRSTUW")]
    [InlineData("key0001abcdefghijklmnopqrstuv")]
    [InlineData("KEY0001ABCDEFGHIJKLMNOPQRSTUVX")]
    [InlineData("KEY0001ABCDEFGHIJKLMNOPQRSTU")]
    [InlineData("")]
    public void AKeyNearAFoundOneFindsNothing(string near)
    {
        const string key = "KEY0001ABCDEFGHIJKLMNOPQRSTUV";
        var directory = new AccountDirectory([NewAccount(1, key)]);
        Assert.False(directory.TryFind(Encoding.UTF8.GetBytes(near), out _));
        Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(key), out _));
        Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(key), out _));
        Assert.False(directory.TryFind(Encoding.UTF8.GetBytes(near), out _));
    }

    [Fact]
    public void APreviousKeyFoundDuringItsGraceIsNotFoundAfterIt()
    {
        const string current = "CURRENTKEYABCDEFGHIJKLMNOPQ";
        const string previous = "PREVIOUSKEYABCDEFGHIJKLMNOP";
        var account = NewAccount(7, current) with { PreviousKey = new PreviousKey(KeyDigest.Of(Encoding.UTF8.GetBytes(previous)), Now.AddMinutes(1)) };
        var directory = new AccountDirectory([account]);
        var during = new FakeTimeProvider(Now);
        var after = new FakeTimeProvider(Now.AddMinutes(1));

        Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(previous), during, out Account found));
        Assert.Equal(7, found.Id);
        Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(previous), during, out _));
        Assert.False(directory.TryFind(Encoding.UTF8.GetBytes(previous), after, out _));
        Assert.True(directory.TryFind(Encoding.UTF8.GetBytes(current), after, out _));
    }

    [Fact]
    public void ADirectoryLoadedWithoutAnAccountDoesNotFindItsKeyFoundBefore()
    {
        const string key = "REMOVEDKEYABCDEFGHIJKLMNOPQ";
        var before = new AccountDirectory([NewAccount(1, key), NewAccount(2, "KEPTKEYABCDEFGHIJKLMNOPQRS")]);
        Assert.True(before.TryFind(Encoding.UTF8.GetBytes(key), out _));

        var after = new AccountDirectory([NewAccount(2, "KEPTKEYABCDEFGHIJKLMNOPQRS")]);
        Assert.False(after.TryFind(Encoding.UTF8.GetBytes(key), out _));
    }

    private static Account NewAccount(int id, string key) =>
        new(id, $"a{id}", KeyDigest.Of(Encoding.UTF8.GetBytes(key)), AccountState.Active, null);
}
