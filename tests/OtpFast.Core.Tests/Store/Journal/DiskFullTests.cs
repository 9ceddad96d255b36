using System.Diagnostics;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

/// <summary>
/// A full disk, for real: the data directory is a small tmpfs that a filler file fills. Where
/// the tests cannot mount it is reported skipped, and .ci/run (root) fails if it was.
/// </summary>
public sealed class DiskFullTests
{
    [MountFact]
    public void AFullDiskRefusesChangesNeverLosesAnAnsweredOneAndRecoversByItselfWhenSpaceReturns()
    {
        using Tmpfs disk = Tmpfs.Mount(kilobytes: 256);
        using var j = new JournaledStore(DurabilityMode.Safe, dir: disk.Path, commitTimeout: TimeSpan.FromMilliseconds(500));
        var held = j.Fixture.Issue(1, "held");
        j.Sync();

        disk.Fill();
        // More than the page the segment already has: the write needs space the disk lacks.
        var unsynced = j.Fixture.Issue(1, "issued-as-the-disk-filled");
        for (int i = 0; i < 100; i++)
        {
            j.Fixture.Issue(1, $"more-{i}");
        }

        Assert.False(j.TrySync(), "a sync on a full disk must fail, not pretend");

        Assert.Contains(j.Events, e => e.Contains("ENOSPC", StringComparison.Ordinal));
        Assert.Equal(IssueStatus.Unavailable, j.Fixture.Issue(1, "refused").Status);
        Assert.Equal(VerifyOutcome.Unavailable, j.Fixture.Verify(1, held.Token, held.Otp));
        Assert.Equal(VerifyOutcome.Unknown, j.Fixture.Verify(1, OtpFast.Core.Tokens.OtpToken.NewRandom(), "000000"));

        disk.Empty();
        var deadline = Stopwatch.StartNew();
        while (!j.Events.Contains("recovered") && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(50);
        }

        Assert.Contains("recovered", j.Events);
        Assert.Equal(VerifyOutcome.Verified, j.Fixture.Verify(1, held.Token, held.Otp));
        var later = j.Fixture.Issue(1, "after-recovery");
        Assert.Equal(IssueStatus.Created, later.Status);

        RecoveredStore recovered = j.RecoverFrom(j.CrashImage());
        var after = new StoreFixture(recovered.Store, j.Time);
        Assert.Null(recovered.Journal.TornSegment);
        Assert.Equal(VerifyOutcome.Used, after.Verify(1, held.Token, held.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, unsynced.Token, unsynced.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, later.Token, later.Otp));
    }
}
