using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tests.Store.Journal;

namespace OtpFast.Core.Tests.Store;

/// <summary>Issue 9, item 2: asking for a new pair after each lock must not mean fresh guesses forever.</summary>
public sealed class FailedVerifyBudgetTests
{
    [Fact]
    public void AskingAgainAfterEachLockGivesNoMoreThanTheBudgetOfGuessesPerWindow()
    {
        var f = new StoreFixture(maxAttempts: 5);
        int evaluated = 0;
        var pair = f.Issue(1, "victim", length: 4);
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 5; i++)
            {
                if (f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)) == VerifyOutcome.Mismatch)
                {
                    evaluated++;
                }
            }

            var next = f.Issue(1, "victim", length: 4);
            if (next.Status != IssueStatus.Created)
            {
                Assert.Equal(IssueStatus.FailedVerifiesSpent, next.Status);
                break;
            }

            pair = next;
        }

        Assert.Equal(20, evaluated);
        Assert.Equal(1, f.Store.FailedVerifyBudgetsSpent);
        Assert.Equal(IssueStatus.FailedVerifiesSpent, f.Issue(1, "victim", reCreate: true).Status);

        // Another end user of the same account, and the same name under another account, are not affected.
        Assert.Equal(IssueStatus.Created, f.Issue(1, "someone else").Status);
        Assert.Equal(IssueStatus.Created, f.Issue(2, "victim").Status);

        // The window is 15 minutes from the first failure.
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(899));
        Assert.Equal(IssueStatus.FailedVerifiesSpent, f.Issue(1, "victim").Status);
        f.AdvanceAndReclaim(TimeSpan.FromSeconds(1));
        var fresh = f.Issue(1, "victim");
        Assert.Equal(IssueStatus.Created, fresh.Status);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, fresh.Token, fresh.Otp));
    }

    [Fact]
    public void OnceSpentEvenTheRightCodeAnswersLockedWithoutBeingComparedUntilTheWindowPasses()
    {
        var f = new StoreFixture(maxAttempts: 100);
        var pair = f.Issue(1, "victim", expirySeconds: 3600);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
        }

        Assert.Equal(VerifyOutcome.Locked, f.Verify(1, pair.Token, pair.Otp));
        Assert.Equal(VerifyOutcome.Locked, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));

        // reCreate=false still hands back the live pair (no new guesses in it).
        var again = f.Issue(1, "victim", expirySeconds: 3600);
        Assert.Equal((IssueStatus.Existing, pair.Token), (again.Status, again.Token));

        f.AdvanceAndReclaim(TimeSpan.FromSeconds(900));
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void TheRightCodeClearsTheCountSoOnlyFailuresInARowAreLimited()
    {
        var f = new StoreFixture(maxAttempts: 100);
        for (int login = 0; login < 5; login++)
        {
            var pair = f.Issue(1, "forgetful", reCreate: true);
            for (int i = 0; i < 19; i++)
            {
                Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
            }

            Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pair.Token, pair.Otp));
        }

        Assert.Equal(0, f.Store.FailedVerifyBudgetsSpent);
    }

    [Fact]
    public void FailuresInDifferentWindowsDoNotAddUp()
    {
        var f = new StoreFixture(maxAttempts: 100);
        var pair = f.Issue(1, "slow", expirySeconds: 7200);
        for (int i = 0; i < 19; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
        }

        f.AdvanceAndReclaim(TimeSpan.FromSeconds(900));
        for (int i = 0; i < 19; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
        }

        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void TheCountOutlivesAShortTombstoneLifetime()
    {
        var f = new StoreFixture(maxAttempts: 5, tombstone: TimeSpan.FromMinutes(1));
        SpendBudget(f, "victim");

        // The last locked pair would be reclaimed after 1 minute; it is kept while its count holds.
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(10));
        Assert.Equal(IssueStatus.FailedVerifiesSpent, f.Issue(1, "victim").Status);
        f.AdvanceAndReclaim(TimeSpan.FromMinutes(6));
        f.AssertConsistent(0);
        Assert.Equal(IssueStatus.Created, f.Issue(1, "victim").Status);
    }

    [Fact]
    public void ZeroTurnsTheBudgetOff()
    {
        var f = new StoreFixture(maxAttempts: 5, maxFailedPerCreator: 0);
        for (int round = 0; round < 10; round++)
        {
            var pair = f.Issue(1, "victim", reCreate: true);
            Assert.Equal(IssueStatus.Created, pair.Status);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
            }
        }
    }

    [Theory]
    [InlineData(DurabilityMode.Relaxed, false)]
    [InlineData(DurabilityMode.Relaxed, true)]
    public void ASpentBudgetSurvivesACrashAndAGracefulRestart(DurabilityMode mode, bool fromSnapshot)
    {
        using var j = new JournaledStore(mode);
        var last = SpendBudget(j.Fixture, "victim");
        string dir = j.CrashImage();
        if (fromSnapshot)
        {
            dir = j.NewDir();
            SnapshotFile.Save(SnapshotFile.PathIn(dir), j.Fixture.Store, j.Time.GetUtcNow(), firstSegment: 0);
        }

        j.Time.Advance(TimeSpan.FromMinutes(5));
        StoreFixture after = j.Recover(dir);
        Assert.Equal(IssueStatus.FailedVerifiesSpent, after.Issue(1, "victim").Status);
        Assert.Equal(VerifyOutcome.Locked, after.Verify(1, last.Token, last.Otp));

        // The window still ends 15 minutes after the first failure, not after the restart.
        after.AdvanceAndReclaim(TimeSpan.FromMinutes(10));
        Assert.Equal(IssueStatus.Created, after.Issue(1, "victim").Status);
    }

    [Fact]
    public void APartlySpentCountSurvivesARestartAndKeepsCounting()
    {
        using var j = new JournaledStore(maxAttempts: 100);
        var pair = j.Fixture.Issue(1, "victim");
        for (int i = 0; i < 15; i++)
        {
            j.Fixture.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp));
        }

        StoreFixture after = j.Recover(j.CrashImage());
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, after.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
        }

        Assert.Equal(VerifyOutcome.Locked, after.Verify(1, pair.Token, pair.Otp));
    }

    // A live pair whose deadline and tombstone time both passed while the server was down still
    // holds a count whose (longer) window has not: it must come back, not be dropped.
    [Fact]
    public void ACountWithALongWindowSurvivesARestartPastItsPairsTombstone()
    {
        using var j = new JournaledStore(maxAttempts: 100, failedVerifyWindow: TimeSpan.FromDays(1));
        var pair = j.Fixture.Issue(1, "victim", expirySeconds: 300);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, j.Fixture.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
        }

        string image = j.CrashImage();
        j.Time.Advance(TimeSpan.FromHours(1));
        StoreFixture after = j.Recover(image);
        Assert.Equal(IssueStatus.FailedVerifiesSpent, after.Issue(1, "victim").Status);
        after.AdvanceAndReclaim(TimeSpan.FromHours(23));
        Assert.Equal(IssueStatus.Created, after.Issue(1, "victim").Status);
    }

    // 4 pairs x 5 wrong codes; returns the last (locked) pair.
    private static (IssueStatus Status, OtpFast.Core.Tokens.OtpToken Token, string Otp) SpendBudget(StoreFixture f, string creator)
    {
        var pair = f.Issue(1, creator);
        for (int round = 0; round < 4; round++)
        {
            if (round > 0)
            {
                pair = f.Issue(1, creator);
                Assert.Equal(IssueStatus.Created, pair.Status);
            }

            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
            }
        }

        Assert.Equal(IssueStatus.FailedVerifiesSpent, f.Issue(1, creator).Status);
        return pair;
    }
}
