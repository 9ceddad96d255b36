using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Core.Tests.Store;

public class ExpiryWheelTests
{
    // 1 s sits in level 0 (64 ticks of 256 ms = 16 s), 20 s in level 1, 30 min in level 2,
    // 1 day in level 3, 30 days in level 4, 1 year in level 5.
    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(1800)]
    [InlineData(86_400)]
    [InlineData(2_592_000)]
    [InlineData(31_536_000)]
    public void APairExpiresAtItsDeadlineAtEveryWheelLevelAndItsTombstoneIsReclaimedOnTime(int expirySeconds)
    {
        var f = new StoreFixture();

        // Start off a tick boundary so rounding is exercised.
        f.AdvanceAndReclaim(TimeSpan.FromMilliseconds(1234));
        var (_, token, otp) = f.Issue(1, "a", expirySeconds);
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(expirySeconds) - TimeSpan.FromMilliseconds(1));
        f.AssertConsistent(1);
        Assert.Equal(1, f.Store.CountWheelEntries());
        Assert.Equal(0, f.Store.TombstoneCount);

        // At the deadline the wheel turns the pair into an expired tombstone, which answers
        // "expired" (not "unknown") for the whole tombstone lifetime, then is reclaimed.
        f.AdvanceAndReclaim(TimeSpan.FromMilliseconds(257));
        Assert.Equal(1, f.Store.TombstoneCount);
        Assert.Equal(VerifyOutcome.Expired, f.Verify(1, token, otp));
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(300));
        Assert.Equal(VerifyOutcome.Expired, f.Verify(1, token, otp));
        f.AssertConsistent(1);
        f.AdvanceAndReclaim(TimeSpan.FromMilliseconds(300 + 256));
        f.AssertConsistent(0);
        Assert.Equal(0, f.Store.CountWheelEntries());
        Assert.Equal(0, f.Store.TombstoneCount);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, token, otp));
    }

    [Fact]
    public void PairsSpreadOverThirtyDaysAreEachReclaimedOnTime()
    {
        var f = new StoreFixture(tombstone: TimeSpan.Zero, maxLivePairs: 100_000);
        var random = new Random(42);
        var deadlines = new List<int>();
        for (int i = 0; i < 3000; i++)
        {
            int expiry = random.Next(1, 2_592_001);
            deadlines.Add(expiry);
            f.Issue(1, $"u{i}", expiry);
        }

        deadlines.Sort();
        int elapsed = 0;
        foreach (int checkpoint in new[] { 1, 17, 1000, 65_536, 700_000, 1_500_000, 2_592_000 })
        {
            f.AdvanceAndReclaim(TimeSpan.FromSeconds(checkpoint - elapsed));
            elapsed = checkpoint;
            int stillDue = deadlines.Count(d => d > elapsed);

            // Reclaimed exactly those whose deadline passed (within the 256 ms tick after it).
            Assert.InRange(f.Store.LiveCount, stillDue, stillDue + deadlines.Count(d => d == elapsed));
        }

        f.AdvanceAndReclaim(TimeSpan.FromSeconds(1));
        f.AssertConsistent(0);
    }

    [Fact]
    public void ClockValuesNearTheEndOfTimeStillExpire()
    {
        var f = new StoreFixture(tombstone: TimeSpan.Zero, start: DateTimeOffset.MaxValue - TimeSpan.FromDays(40));
        var (_, token, otp) = f.Issue(1, "a", 2_592_000);
        f.AdvanceAndReclaim(TimeSpan.FromDays(29));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
        f.Issue(1, "b", 86_400);
        f.AdvanceAndReclaim(TimeSpan.FromDays(2));
        f.AssertConsistent(0);
    }

    [Fact]
    public void CancellingPairsWhileAnAdvanceIsHalfDoneKeepsEverythingConsistent()
    {
        var f = new StoreFixture(tombstone: TimeSpan.Zero, maxLivePairs: 10_000, shards: 1);
        var pairs = Enumerable.Range(0, 2000).Select(i => f.Issue(1, $"u{i}", 100)).ToList();
        f.Time.Advance(TimeSpan.FromSeconds(101));

        // Only part of the due entries are reclaimed (the budget also pays for cascading them down)...
        while (f.Store.LiveCount == 2000)
        {
            Assert.False(f.Store.AdvanceExpiry(500));
        }

        Assert.InRange(f.Store.LiveCount, 1500, 1999);

        // ...then pairs are replaced and verified in the middle of it.
        for (int i = 0; i < 2000; i += 10)
        {
            f.Issue(1, $"u{i}", 100, reCreate: true);
            Assert.NotEqual(VerifyOutcome.Verified, f.Verify(1, pairs[i].Token, pairs[i].Otp));
        }

        f.Reclaim();
        f.AssertConsistent(200);
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(101));
        f.AssertConsistent(0);
    }

    [Fact]
    public void ReCreatingAnExpiringPairMovesItsDeadline()
    {
        var f = new StoreFixture(tombstone: TimeSpan.Zero);
        f.Issue(1, "a", 10);
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(9.9));
        var (_, token, otp) = f.Issue(1, "a", 10, reCreate: true);
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(1));
        f.AssertConsistent(1);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(10));
        f.AssertConsistent(0);
    }

    [Fact]
    public void AnAdvanceDoesNoMoreWorkThanItsBudget()
    {
        var f = new StoreFixture(tombstone: TimeSpan.Zero, maxLivePairs: 10_000, shards: 1);
        for (int i = 0; i < 1000; i++)
        {
            f.Issue(1, $"u{i}", 5);
        }

        f.Time.Advance(TimeSpan.FromSeconds(6));
        int rounds = 0;
        long before = f.Store.LiveCount;
        while (!f.Store.AdvanceExpiry(100))
        {
            rounds++;
            Assert.Equal(before - 100, f.Store.LiveCount);
            before = f.Store.LiveCount;
        }

        Assert.Equal(9, rounds);
        f.AssertConsistent(0);
    }

    [Fact]
    public void TheHeartbeatThreadReclaimsWithoutBeingAsked()
    {
        var time = TimeProvider.System;
        var store = new ShardedOtpStore(new OtpStoreOptions { ShardCount = 4, TombstoneLifetime = TimeSpan.Zero }, time);
        using var heartbeat = new ExpiryHeartbeat(TimeSpan.FromMilliseconds(20));
        heartbeat.Register(store);
        byte[] otp = new byte[12];
        store.Issue(1, "a"u8, OtpFast.Core.Codes.CodeType.Num, 6, 1, false, otp);
        Assert.Equal(1, store.LiveCount);

        // Deadline 1 s, tick 256 ms, heartbeat 20 ms: reclaimed well within 10 s on any machine.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.LiveCount > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(0, store.LiveCount);
    }
}
