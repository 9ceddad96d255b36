using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Store;

public class ShardedOtpStoreTests
{
    [Fact]
    public void APairVerifiesOnceWithItsCodeThenAnswersUsed()
    {
        var f = new StoreFixture();
        var (status, token, otp) = f.Issue(1, "a@example.com");
        Assert.Equal(IssueStatus.Created, status);
        Assert.Equal(6, otp.Length);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
        Assert.Equal(VerifyOutcome.Used, f.Verify(1, token, otp));
    }

    [Fact]
    public void LettersVerifyInEitherCase()
    {
        var f = new StoreFixture();
        var (_, token, otp) = f.Issue(1, "a", type: CodeType.Alpha, length: 8);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp.ToLowerInvariant()));
    }

    [Fact]
    public void AWrongCodeIsAMismatchAndTheLimitLocksThePair()
    {
        var f = new StoreFixture(maxAttempts: 3);
        var (_, token, otp) = f.Issue(1, "a");
        string wrong = StoreFixture.WrongCode(otp);
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, token, wrong));
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, token, wrong));
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, token, wrong));
        Assert.Equal(VerifyOutcome.Locked, f.Verify(1, token, otp));
    }

    [Fact]
    public void ACodeOfAnotherLengthIsAMismatch()
    {
        var f = new StoreFixture();
        var (_, token, otp) = f.Issue(1, "a");
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, token, otp + "0"));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
    }

    [Fact]
    public void ReCreateFalseReturnsTheSameLivePair()
    {
        var f = new StoreFixture();
        var first = f.Issue(1, "a");
        var again = f.Issue(1, "a", reCreate: false, length: 8, type: CodeType.Alpha);
        Assert.Equal(IssueStatus.Existing, again.Status);
        Assert.Equal(first.Token, again.Token);
        Assert.Equal(first.Otp, again.Otp);
        f.AssertConsistent(1);
    }

    [Fact]
    public void ReCreateTrueReplacesThePairAndTheOldOneNoLongerVerifies()
    {
        var f = new StoreFixture();
        var first = f.Issue(1, "a");
        var second = f.Issue(1, "a", reCreate: true);
        Assert.Equal(IssueStatus.Created, second.Status);
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, first.Token, first.Otp));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, second.Token, second.Otp));
        f.AssertConsistent(1);
    }

    [Fact]
    public void ReCreateFalseAfterUseOrLockOrExpiryMakesANewPair()
    {
        var f = new StoreFixture(maxAttempts: 1);
        var used = f.Issue(1, "used");
        f.Verify(1, used.Token, used.Otp);
        Assert.Equal(IssueStatus.Created, f.Issue(1, "used").Status);

        var locked = f.Issue(1, "locked");
        f.Verify(1, locked.Token, StoreFixture.WrongCode(locked.Otp));
        Assert.Equal(IssueStatus.Created, f.Issue(1, "locked").Status);

        var expiring = f.Issue(1, "expiring", expirySeconds: 1);
        f.Time.Advance(TimeSpan.FromSeconds(1));
        var renewed = f.Issue(1, "expiring");
        Assert.Equal(IssueStatus.Created, renewed.Status);
        Assert.NotEqual(expiring.Token, renewed.Token);
        f.AssertConsistent(3);
    }

    [Fact]
    public void AccountsNeverSeeEachOthersPairs()
    {
        var f = new StoreFixture();
        var a = f.Issue(1, "same@example.com");
        var b = f.Issue(2, "same@example.com");
        Assert.Equal(IssueStatus.Created, b.Status);
        Assert.NotEqual(a.Token, b.Token);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(2, a.Token, a.Otp));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, a.Token, a.Otp));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(2, b.Token, b.Otp));
    }

    [Fact]
    public void AnUnknownTokenAnswersUnknown()
    {
        var f = new StoreFixture();
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, OtpToken.NewRandom(), "1234"));
    }

    [Fact]
    public void TheDeadlineIsComparedOnEveryReadWithoutWaitingForTheWheel()
    {
        var f = new StoreFixture();
        var (_, token, otp) = f.Issue(1, "a", expirySeconds: 60);
        f.Time.Advance(TimeSpan.FromSeconds(59.9));
        var (_, token2, otp2) = f.Issue(1, "b", expirySeconds: 60);
        f.Time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(VerifyOutcome.Expired, f.Verify(1, token, otp));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token2, otp2));
    }

    [Fact]
    public void ExpiryZeroNeverExpires()
    {
        var f = new StoreFixture();
        var (_, token, otp) = f.Issue(1, "a", expirySeconds: 0);
        f.AdvanceAndReclaim(TimeSpan.FromDays(400));
        f.AssertConsistent(1);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
    }

    [Fact]
    public void AConsumedPairWithoutExpiryIsStillReclaimedAfterTheTombstoneLifetime()
    {
        var f = new StoreFixture();
        var (_, token, otp) = f.Issue(1, "a", expirySeconds: 0);
        f.Verify(1, token, otp);
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(14));
        Assert.Equal(VerifyOutcome.Used, f.Verify(1, token, otp));
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(2));
        f.AssertConsistent(0);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, token, otp));
    }

    // Shards take places in MaxLivePairs in chunks (here 4 of 4096 over 16 shards): the bound is
    // still exact, and a store is only full when every place holds a pair, whichever shards
    // kept idle reserves.
    [Fact]
    public void MaxLivePairsIsExactWhileShardsTakePlacesInChunks()
    {
        var f = new StoreFixture(maxLivePairs: 4096, shards: 16);
        Assert.Equal(4, f.Store.ReserveChunk);
        for (int i = 0; i < 4096; i++)
        {
            Assert.Equal(IssueStatus.Created, f.Issue(1, $"user{i}", expirySeconds: 0).Status);
        }

        Assert.Equal(4096, f.Store.LiveCount);
        Assert.Equal(IssueStatus.Full, f.Issue(1, "one more", expirySeconds: 0).Status);

        // Freed places sit in their shards' reserves; any shard can still take them all back.
        for (int i = 0; i < 100; i++)
        {
            (IssueStatus _, OtpToken token, string otp) = f.Issue(1, $"user{i}", expirySeconds: 0);
            Assert.Equal(VerifyOutcome.Verified, f.Verify(1, token, otp));
        }

        f.Time.Advance(TimeSpan.FromMinutes(16));
        f.Store.AdvanceExpiry(int.MaxValue);
        Assert.Equal(3996, f.Store.LiveCount);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(IssueStatus.Created, f.Issue(2, $"other{i}", expirySeconds: 0).Status);
        }

        Assert.Equal(IssueStatus.Full, f.Issue(2, "one more", expirySeconds: 0).Status);
        Assert.Equal(4096, f.Store.LiveCount);
    }

    [Fact]
    public void AFullStoreNeverEvictsALivePairButItsTombstonesGiveWayOldestFirst()
    {
        var f = new StoreFixture(maxLivePairs: 3);
        var pairs = new[] { f.Issue(1, "a"), f.Issue(1, "b"), f.Issue(1, "c", expirySeconds: 10) };
        Assert.Equal(IssueStatus.Full, f.Issue(1, "d").Status);
        Assert.Equal(IssueStatus.Full, f.Issue(2, "a").Status);
        f.AssertConsistent(3);

        // A replacement frees its predecessor's place first, so it still succeeds.
        var replaced = f.Issue(1, "a", reCreate: true);
        Assert.Equal(IssueStatus.Created, replaced.Status);

        // b is used and c expires: both are tombstones now, b the older one.
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pairs[1].Token, pairs[1].Otp));
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(11));
        f.AssertConsistent(3);
        Assert.Equal(2, f.Store.TombstoneCount);
        Assert.Equal(VerifyOutcome.Used, f.Verify(1, pairs[1].Token, pairs[1].Otp));
        Assert.Equal(VerifyOutcome.Expired, f.Verify(1, pairs[2].Token, pairs[2].Otp));

        var d = f.Issue(1, "d");
        Assert.Equal(IssueStatus.Created, d.Status);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, pairs[1].Token, pairs[1].Otp));
        Assert.Equal(VerifyOutcome.Expired, f.Verify(1, pairs[2].Token, pairs[2].Otp));

        Assert.Equal(IssueStatus.Created, f.Issue(1, "e").Status);
        Assert.Equal(VerifyOutcome.Unknown, f.Verify(1, pairs[2].Token, pairs[2].Otp));
        Assert.Equal(2, f.Store.TombstonesGivenWay);
        Assert.Equal(0, f.Store.TombstoneCount);

        // Only live pairs now: nothing gives way, and the live ones still verify.
        Assert.Equal(IssueStatus.Full, f.Issue(1, "f").Status);
        f.AssertConsistent(3);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, d.Token, d.Otp));
    }

    [Fact]
    public void TokensCarryTheirShardAndAreUniqueAcrossShards()
    {
        var f = new StoreFixture(shards: 8, maxLivePairs: 10_000);
        var tokens = new HashSet<OtpToken>();
        for (int i = 0; i < 5000; i++)
        {
            Assert.True(tokens.Add(f.Issue(1, $"user{i}").Token));
        }

        var byShard = tokens.GroupBy(t => (int)(t.Value & 7)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(8, byShard.Count);
        Assert.All(byShard.Values, count => Assert.InRange(count, 400, 850));
    }

    [Fact]
    public void TheResendCooldownRefusesANewPairButStillReturnsTheLiveOne()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var store = new ShardedOtpStore(new OtpStoreOptions { ResendCooldown = TimeSpan.FromSeconds(10), ShardCount = 2 }, time);
        byte[] otp = new byte[12];
        PendingIssue first = store.Issue(1, "a"u8, CodeType.Num, 6, 300, false, otp);
        Assert.Equal(IssueStatus.CoolingDown, store.Issue(1, "a"u8, CodeType.Num, 6, 300, true, otp).Status);
        Assert.Equal(first.Token, store.Issue(1, "a"u8, CodeType.Num, 6, 300, false, otp).Token);
        Assert.Equal(IssueStatus.Created, store.Issue(2, "a"u8, CodeType.Num, 6, 300, true, otp).Status);

        // Kept across a snapshot: the pair's age travels with it.
        using var snapshot = new MemoryStream();
        time.Advance(TimeSpan.FromSeconds(5));
        StoreSnapshot.Write(store, snapshot, time.GetUtcNow());
        snapshot.Position = 0;
        var restored = new ShardedOtpStore(StoreSnapshot.OptionsFor(snapshot, new OtpStoreOptions { ResendCooldown = TimeSpan.FromSeconds(10) }, out _), time);
        snapshot.Position = 0;
        StoreSnapshot.Load(snapshot, restored, time.GetUtcNow());
        Assert.Equal(IssueStatus.CoolingDown, restored.Issue(1, "a"u8, CodeType.Num, 6, 300, true, otp).Status);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(IssueStatus.Created, restored.Issue(1, "a"u8, CodeType.Num, 6, 300, true, otp).Status);
        Assert.Equal(2, restored.LiveCount);
    }

    [Fact]
    public void IssueRejectsArgumentsOutsideTheContract()
    {
        var f = new StoreFixture();
        byte[] otp = new byte[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.Issue(1, [], CodeType.Num, 6, 0, false, otp));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.Issue(1, "a"u8, CodeType.Num, 13, 0, false, otp));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.Issue(1, "a"u8, CodeType.Num, 6, -1, false, otp));
    }
}
