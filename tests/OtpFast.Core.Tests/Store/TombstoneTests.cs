using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tests.Store.Journal;

namespace OtpFast.Core.Tests.Store;

/// <summary>Issue 9, items 6 and 7: tombstones tell a late verify why, and never crowd out a live pair.</summary>
public sealed class TombstoneTests
{
    [Fact]
    public void ALateVerifyOfAOneSecondPairHearsExpiredForFifteenMinutes()
    {
        var f = new StoreFixture();
        var pair = f.Issue(1, "late", expirySeconds: 1);
        foreach (double seconds in new[] { 1.05, 1.5, 60, 899 })
        {
            f.AdvanceAndReclaim(TimeSpan.FromSeconds(seconds) - (f.Time.GetUtcNow() - f.Time.Start));
            Assert.Equal(VerifyOutcome.Expired, f.Verify(1, pair.Token, pair.Otp));
        }

        // Reclaimed at 1 s + 15 min, rounded up to the wheel's 256 ms tick.
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(2.3));
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void UsedAndLockedAnswersLastTheirFullTombstoneLifetimeEvenPastThePairsDeadline()
    {
        var f = new StoreFixture(maxAttempts: 1);
        var used = f.Issue(1, "used", expirySeconds: 10);
        var locked = f.Issue(1, "locked", expirySeconds: 10);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, used.Token, used.Otp));
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, locked.Token, StoreFixture.WrongCode(locked.Otp)));

        f.AdvanceAndReclaim(TimeSpan.FromMinutes(14));
        Assert.Equal(VerifyOutcome.Used, f.Verify(1, used.Token, used.Otp));
        Assert.Equal(VerifyOutcome.Locked, f.Verify(1, locked.Token, locked.Otp));
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, used.Token, used.Otp));
        f.AssertConsistent(0);
    }

    // The issue's case: MaxLivePairs 1000, 500 used pairs must not block 1000 live ones.
    [Fact]
    public void UsedPairsNeverKeepTheStoreFromHoldingMaxLivePairsLiveOnes()
    {
        var f = new StoreFixture(maxLivePairs: 1000, shards: 8);
        for (int i = 0; i < 500; i++)
        {
            var pair = f.Issue(1, $"done{i}");
            Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pair.Token, pair.Otp));
        }

        var live = new List<(IssueStatus Status, OtpFast.Core.Tokens.OtpToken Token, string Otp)>();
        for (int i = 0; i < 1000; i++)
        {
            live.Add(f.Issue(1, $"new{i}"));
            Assert.Equal(IssueStatus.Created, live[^1].Status);
        }

        Assert.Equal(500, f.Store.TombstonesGivenWay);
        Assert.Equal(0, f.Store.TombstoneCount);
        Assert.Equal(IssueStatus.Full, f.Issue(1, "one too many").Status);
        f.AssertConsistent(1000);
        Assert.All(live, pair => Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pair.Token, pair.Otp)));
    }

    [Fact]
    public void TheOldestTombstonesGiveWayFirstAcrossShards()
    {
        var f = new StoreFixture(maxLivePairs: 100, shards: 8);
        var dead = new List<(IssueStatus Status, OtpFast.Core.Tokens.OtpToken Token, string Otp)>();
        for (int i = 0; i < 100; i++)
        {
            dead.Add(f.Issue(1, $"old{i}"));
            Assert.Equal(VerifyOutcome.Verified, f.Verify(1, dead[i].Token, dead[i].Otp));
            f.AdvanceAndReclaim(TimeSpan.FromSeconds(1));
        }

        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(IssueStatus.Created, f.Issue(1, $"new{i}").Status);
        }

        // Tombstones die in the order they were made, whatever shard they sit in.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(i < 40 ? VerifyOutcome.Unknown : VerifyOutcome.Used, f.Verify(1, dead[i].Token, dead[i].Otp));
        }
    }

    [Fact]
    public void ARestartIntoAFullStoreKeepsLivePairsBeforeTombstones()
    {
        using var j = new JournaledStore();
        var used = new List<(IssueStatus Status, OtpFast.Core.Tokens.OtpToken Token, string Otp)>();
        for (int i = 0; i < 50; i++)
        {
            used.Add(j.Fixture.Issue(1, $"done{i}"));
            j.Fixture.Verify(1, used[i].Token, used[i].Otp);
        }

        var live = Enumerable.Range(0, 50).Select(i => j.Fixture.Issue(1, $"live{i}")).ToList();
        string image = j.CrashImage();

        // The next start allows only 60 pairs: the journal replays 50 used then 50 new ones.
        RecoveredStore recovered = StoreRecovery.Open(image, new OtpStoreOptions { ShardCount = j.Shards, MaxLivePairs = 60 }, j.Time);
        var after = new StoreFixture(recovered.Store, j.Time);
        Assert.Equal(60, after.Store.LiveCount);
        Assert.Equal(10, after.Store.TombstoneCount);
        Assert.All(live, pair => Assert.Equal(VerifyOutcome.Verified, after.Verify(1, pair.Token, pair.Otp)));
    }
}
