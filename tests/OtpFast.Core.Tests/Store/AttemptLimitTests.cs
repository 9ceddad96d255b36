using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Tests.Store.Journal;

namespace OtpFast.Core.Tests.Store;

public sealed class AttemptLimitTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(1000)]
    public void APairLocksAfterExactlyMaxVerifyAttemptsWrongCodesAtEverySetting(int maxAttempts)
    {
        // The creator's budget (20 by default) would answer locked first; this is the pair's own limit.
        var f = new StoreFixture(maxAttempts: maxAttempts, maxFailedPerCreator: 0);
        var pair = f.Issue(1, "victim", length: 4);
        string wrong = StoreFixture.WrongCode(pair.Otp);
        for (int i = 1; i < maxAttempts; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, wrong));
        }

        // The last allowed wrong code is still evaluated, and it locks the pair: the right code no longer verifies.
        Assert.Equal(VerifyOutcome.Mismatch, f.Verify(1, pair.Token, wrong));
        Assert.Equal(VerifyOutcome.Locked, f.Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void AnAttemptCountAbove255SurvivesASnapshotAndTheJournal()
    {
        using var j = new JournaledStore(maxAttempts: 1000, maxFailedPerCreator: 0);
        var pair = j.Fixture.Issue(1, "victim");
        for (int i = 0; i < 300; i++)
        {
            j.Fixture.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp));
        }

        string image = j.CrashImage();
        string fromSnapshot = j.NewDir();
        SnapshotFile.Save(SnapshotFile.PathIn(fromSnapshot), j.Fixture.Store, j.Time.GetUtcNow(), firstSegment: 0);

        foreach (string dir in new[] { image, fromSnapshot })
        {
            StoreFixture after = j.Recover(dir);
            for (int i = 300; i < 999; i++)
            {
                Assert.Equal(VerifyOutcome.Mismatch, after.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
            }

            Assert.Equal(VerifyOutcome.Mismatch, after.Verify(1, pair.Token, StoreFixture.WrongCode(pair.Otp)));
            Assert.Equal(VerifyOutcome.Locked, after.Verify(1, pair.Token, pair.Otp));
        }
    }
}
