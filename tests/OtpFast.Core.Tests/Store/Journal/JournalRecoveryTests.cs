using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

public sealed class JournalRecoveryTests
{
    [Fact]
    public void AUsedCodeIsStillUsedAfterACrash()
    {
        using var j = new JournaledStore();
        var pair = j.Fixture.Issue(1, "alice");
        Assert.Equal(VerifyOutcome.Verified, j.Fixture.Verify(1, pair.Token, pair.Otp));

        StoreFixture after = j.Recover(j.CrashImage());

        Assert.Equal(VerifyOutcome.Used, after.Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void AReplacedTokenALockedPairAndAttemptCountsSurviveACrash()
    {
        using var j = new JournaledStore(maxAttempts: 5);
        var replaced = j.Fixture.Issue(1, "bob");
        var replacement = j.Fixture.Issue(1, "bob", reCreate: true);
        var locked = j.Fixture.Issue(1, "carol");
        for (int i = 0; i < 5; i++)
        {
            j.Fixture.Verify(1, locked.Token, StoreFixture.WrongCode(locked.Otp));
        }

        var guessed = j.Fixture.Issue(1, "dave");
        for (int i = 0; i < 3; i++)
        {
            j.Fixture.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp));
        }

        StoreFixture after = j.Recover(j.CrashImage());

        Assert.Equal(VerifyOutcome.Unknown, after.Verify(1, replaced.Token, replaced.Otp));
        Assert.Equal(VerifyOutcome.Locked, after.Verify(1, locked.Token, locked.Otp));
        Assert.Equal(VerifyOutcome.Mismatch, after.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp)));
        Assert.Equal(VerifyOutcome.Mismatch, after.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp)));
        Assert.Equal(VerifyOutcome.Locked, after.Verify(1, guessed.Token, guessed.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, replacement.Token, replacement.Otp));
    }

    [Fact]
    public void EveryPairIssuedBeforeACrashVerifiesAfterItAndReCreateFalseFindsIt()
    {
        using var j = new JournaledStore(shards: 16);
        var pairs = new List<(string Creator, (IssueStatus Status, OtpFast.Core.Tokens.OtpToken Token, string Otp) Pair)>();
        for (int i = 0; i < 2000; i++)
        {
            string creator = $"user{i}@example.com";
            pairs.Add((creator, j.Fixture.Issue(1 + (i % 3), creator, expirySeconds: i % 5 == 0 ? 0 : 600)));
        }

        StoreFixture after = j.Recover(j.CrashImage());

        Assert.Equal(2000, after.Store.LiveCount);
        for (int i = 0; i < pairs.Count; i++)
        {
            // The creator digest key travels in the journal: the same pair comes back for reCreate=false.
            var again = after.Issue(1 + (i % 3), pairs[i].Creator);
            Assert.Equal(IssueStatus.Existing, again.Status);
            Assert.Equal(pairs[i].Pair.Token, again.Token);
            Assert.Equal(VerifyOutcome.Verified, after.Verify(1 + (i % 3), pairs[i].Pair.Token, pairs[i].Pair.Otp));
        }
    }

    [Fact]
    public void PairsThatExpiredWhileTheServerWasDownComeBackAsExpiredTombstonesAndTheRestKeepTheirLifetime()
    {
        using var j = new JournaledStore();
        var shortLived = j.Fixture.Issue(1, "short", expirySeconds: 10);
        var longLived = j.Fixture.Issue(1, "long", expirySeconds: 100);
        var used = j.Fixture.Issue(1, "used", expirySeconds: 100);
        Assert.Equal(VerifyOutcome.Verified, j.Fixture.Verify(1, used.Token, used.Otp));
        string image = j.CrashImage();

        j.Time.Advance(TimeSpan.FromSeconds(30));
        StoreFixture after = j.Recover(image);
        Assert.Equal(3, after.Store.LiveCount);
        Assert.Equal(2, after.Store.TombstoneCount);
        Assert.Equal(VerifyOutcome.Expired, after.Verify(1, shortLived.Token, shortLived.Otp));
        Assert.Equal(VerifyOutcome.Used, after.Verify(1, used.Token, used.Otp));
        j.Time.Advance(TimeSpan.FromSeconds(71));
        Assert.Equal(VerifyOutcome.Expired, after.Verify(1, longLived.Token, longLived.Otp));

        // A crash longer than a tombstone's time drops it: 911 s is past the used pair's (0 s + 15 min)
        // and the short one's (10 s + 15 min), not the long one's (100 s + 15 min).
        j.Time.Advance(TimeSpan.FromSeconds(810));
        StoreFixture late = j.Recover(image);
        Assert.Equal(1, late.Store.LiveCount);
        Assert.Equal(VerifyOutcome.Unknown, late.Verify(1, shortLived.Token, shortLived.Otp));
        Assert.Equal(VerifyOutcome.Unknown, late.Verify(1, used.Token, used.Otp));
        Assert.Equal(VerifyOutcome.Expired, late.Verify(1, longLived.Token, longLived.Otp));
    }

    [Fact]
    public void ATornTailAtEveryByteOfTheLastRecordKeepsExactlyTheRecordsBeforeIt()
    {
        using var j = new JournaledStore();
        var first = j.Fixture.Issue(1, "first");
        j.Sync(); // so that the second pair's record is the last in the file, whatever their shards
        var second = j.Fixture.Issue(1, "second");
        string image = j.CrashImage();
        string segment = Directory.GetFiles(image, "journal.*").Single();
        byte[] whole = File.ReadAllBytes(segment);
        int lastStart = whole.Length - JournalRecord.IssuedSize;

        for (int cut = lastStart; cut < whole.Length; cut++)
        {
            string copy = j.NewDir();
            string torn = Path.Combine(copy, Path.GetFileName(segment));
            File.WriteAllBytes(torn, whole[..cut]);

            RecoveredStore recovered = j.RecoverFrom(copy);
            var after = new StoreFixture(recovered.Store, j.Time);

            Assert.Equal(1, recovered.Store.LiveCount);
            Assert.Equal(VerifyOutcome.Unknown, after.Verify(1, second.Token, second.Otp));
            Assert.Equal(VerifyOutcome.Verified, after.Verify(1, first.Token, first.Otp));
            Assert.Equal(lastStart, new FileInfo(torn).Length);
            if (cut > lastStart)
            {
                Assert.Equal(lastStart, recovered.Journal.TornOffset);
                Assert.Equal(1, recovered.Journal.TornKeptRecords);
                Assert.Equal(whole[lastStart..cut], File.ReadAllBytes(recovered.Journal.TornKeptAside!));
            }
            else
            {
                Assert.Null(recovered.Journal.TornSegment);
            }
        }
    }

    [Fact]
    public void AFlippedBitInTheMiddleSkipsOnlyTheDamagedRecordReportsItAndKeepsEveryLaterConsume()
    {
        using var j = new JournaledStore();

        // One sync per record: a round writes shard by shard, so only then is file order issue order.
        var before = j.Fixture.Issue(1, "before");
        j.Sync();
        var damaged = j.Fixture.Issue(1, "damaged");
        j.Sync();
        var after1 = j.Fixture.Issue(1, "after");
        j.Sync();
        j.Fixture.Verify(1, before.Token, before.Otp);
        j.Sync();
        j.Journal.Rotate();
        var nextSegment = j.Fixture.Issue(1, "next-segment");
        j.Fixture.Verify(1, after1.Token, after1.Otp);
        string image = j.CrashImage();
        string[] segments = Directory.GetFiles(image, "journal.*").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, segments.Length);
        byte[] bytes = File.ReadAllBytes(segments[0]);
        int damagedAt = JournalSegment.HeaderSize + JournalRecord.IssuedSize;
        bytes[damagedAt + 20] ^= 0x10;
        File.WriteAllBytes(segments[0], bytes);

        RecoveredStore recovered = j.RecoverFrom(image);
        var store = new StoreFixture(recovered.Store, j.Time);

        // Only the damaged record is lost; the consumes after it, in its segment and the next, hold.
        string skipped = Assert.Single(recovered.Journal.Skipped!);
        Assert.Contains($"bytes {damagedAt}..{damagedAt + JournalRecord.IssuedSize}", skipped, StringComparison.Ordinal);
        Assert.Null(recovered.Journal.TornSegment);
        Assert.Null(recovered.Journal.SetAside);
        Assert.Equal(bytes[damagedAt..(damagedAt + JournalRecord.IssuedSize)], File.ReadAllBytes(Directory.GetFiles(image, "journal.*.corrupt-*").Single()));
        Assert.Equal(bytes, File.ReadAllBytes(segments[0]));
        Assert.Equal(VerifyOutcome.Used, store.Verify(1, before.Token, before.Otp));
        Assert.Equal(VerifyOutcome.Unknown, store.Verify(1, damaged.Token, damaged.Otp));
        Assert.Equal(VerifyOutcome.Used, store.Verify(1, after1.Token, after1.Otp));
        Assert.Equal(VerifyOutcome.Verified, store.Verify(1, nextSegment.Token, nextSegment.Otp));
    }

    [Fact]
    public void ASegmentWithAnUnusableHeaderIsSetAsideAndTheSegmentsAfterItAreStillReplayed()
    {
        using var j = new JournaledStore();
        var first = j.Fixture.Issue(1, "first");
        j.Sync();
        j.Journal.Rotate();
        j.Fixture.Verify(1, first.Token, first.Otp);
        string image = j.CrashImage();
        string[] segments = Directory.GetFiles(image, "journal.*").Order(StringComparer.Ordinal).ToArray();
        byte[] bytes = File.ReadAllBytes(segments[0]);
        bytes[3] ^= 0x01;
        File.WriteAllBytes(segments[0], bytes);

        RecoveredStore recovered = j.RecoverFrom(image);

        Assert.Single(recovered.Journal.SetAside!);
        Assert.Equal(1, recovered.Journal.Segments);
        Assert.True(recovered.NextSegment > 2, "the journal must go on past the segments it found");
        Assert.Equal(0, recovered.Store.LiveCount);
    }

    [Fact]
    public void ReplayIsIdempotentAndReplayingOverASnapshotThatHoldsTheRecordsChangesNothing()
    {
        using var j = new JournaledStore(maxAttempts: 3);
        var used = j.Fixture.Issue(1, "used");
        j.Fixture.Verify(1, used.Token, used.Otp);
        var guessed = j.Fixture.Issue(1, "guessed");
        j.Fixture.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp));
        j.Fixture.Issue(1, "replaced");
        var replacement = j.Fixture.Issue(1, "replaced", reCreate: true);
        string image = j.CrashImage();

        // Twice from the same files, and once over a snapshot that already holds every record
        // (a compaction that crashed after its snapshot but before it deleted the segment).
        StoreFixture once = j.Recover(image);
        StoreFixture twice = j.Recover(image);
        SnapshotFile.Save(SnapshotFile.PathIn(image), once.Store, j.Time.GetUtcNow(), firstSegment: 1);
        StoreFixture overSnapshot = j.Recover(image);

        foreach (StoreFixture s in new[] { twice, overSnapshot })
        {
            Assert.Equal(3, s.Store.LiveCount);
            Assert.Equal(VerifyOutcome.Used, s.Verify(1, used.Token, used.Otp));
            Assert.Equal(VerifyOutcome.Mismatch, s.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp)));
            Assert.Equal(VerifyOutcome.Mismatch, s.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp)));
            Assert.Equal(VerifyOutcome.Locked, s.Verify(1, guessed.Token, guessed.Otp));
            Assert.Equal(VerifyOutcome.Verified, s.Verify(1, replacement.Token, replacement.Otp));
        }
    }

    [Fact]
    public void CompactionWritesASnapshotDeletesCoveredSegmentsAndTheNextCrashStillRecoversEverything()
    {
        using var j = new JournaledStore();
        var early = j.Fixture.Issue(1, "early");
        var consumedEarly = j.Fixture.Issue(1, "consumed-early");
        j.Fixture.Verify(1, consumedEarly.Token, consumedEarly.Otp);

        j.Journal.Compact();

        Assert.True(File.Exists(SnapshotFile.PathIn(j.Dir)));
        Assert.Single(Directory.GetFiles(j.Dir, "journal.*"));
        Assert.Equal("compacted 2 1", j.Events.Single());
        var late = j.Fixture.Issue(1, "late");
        j.Fixture.Verify(1, early.Token, early.Otp);

        StoreFixture after = j.Recover(j.CrashImage());

        Assert.Equal(VerifyOutcome.Used, after.Verify(1, early.Token, early.Otp));
        Assert.Equal(VerifyOutcome.Used, after.Verify(1, consumedEarly.Token, consumedEarly.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, late.Token, late.Otp));
    }

    [Fact]
    public void ACrashBetweenTheNewSegmentAndTheNewSnapshotReplaysBothSegmentsOverTheOldSnapshot()
    {
        using var j = new JournaledStore();
        var a = j.Fixture.Issue(1, "a");
        j.Journal.Compact();
        j.Fixture.Verify(1, a.Token, a.Otp);
        var b = j.Fixture.Issue(1, "b");
        j.Sync();

        // The compaction's first step happened; its snapshot was never written.
        j.Journal.Rotate();
        var c = j.Fixture.Issue(1, "c");
        string image = j.CrashImage();
        Assert.Equal(2, Directory.GetFiles(image, "journal.*").Length);

        StoreFixture after = j.Recover(image);

        Assert.Equal(VerifyOutcome.Used, after.Verify(1, a.Token, a.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, b.Token, b.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, c.Token, c.Otp));
    }

    [Fact]
    public void ACrashAfterTheNewSnapshotButBeforeTheOldSegmentsAreDeletedIgnoresAndRemovesThem()
    {
        using var j = new JournaledStore();
        var a = j.Fixture.Issue(1, "a");
        j.Fixture.Verify(1, a.Token, a.Otp);
        j.Sync();
        string oldSegment = Directory.GetFiles(j.Dir, "journal.*").Single();
        byte[] oldBytes = File.ReadAllBytes(oldSegment);

        j.Journal.Compact();
        var b = j.Fixture.Issue(1, "b");
        string image = j.CrashImage();
        File.WriteAllBytes(Path.Combine(image, Path.GetFileName(oldSegment)), oldBytes);

        RecoveredStore recovered = j.RecoverFrom(image);
        var after = new StoreFixture(recovered.Store, j.Time);

        Assert.Equal(1, recovered.Journal.StaleDeleted);
        Assert.False(File.Exists(Path.Combine(image, Path.GetFileName(oldSegment))));
        Assert.Equal(VerifyOutcome.Used, after.Verify(1, a.Token, a.Otp));
        Assert.Equal(VerifyOutcome.Verified, after.Verify(1, b.Token, b.Otp));
    }

    [Fact]
    public void AGracefulStopLeavesASnapshotAndNoSegmentSoARestartReplaysNothing()
    {
        using var j = new JournaledStore();
        var pair = j.Fixture.Issue(1, "kept");
        Assert.True(j.Journal.Stop());
        StoreCheckpoint.Write(j.Dir, j.Fixture.Store, j.Journal.SegmentNumber + 1, out int deleted, out _);

        Assert.Equal(1, deleted);
        Assert.Empty(Directory.GetFiles(j.Dir, "journal.*"));
        RecoveredStore recovered = j.RecoverFrom(j.Dir);
        Assert.Equal(0, recovered.Journal.Segments);
        Assert.True(recovered.NextSegment > j.Journal.SegmentNumber, "a new segment must never reuse an old number");
        Assert.Equal(VerifyOutcome.Verified, new StoreFixture(recovered.Store, j.Time).Verify(1, pair.Token, pair.Otp));
    }

    [Fact]
    public void ASnapshotThatWasAlreadyLoadedIsNotTheTruthAloneTheJournalAfterItIsReplayed()
    {
        string dir;
        OtpFast.Core.Tokens.OtpToken token;
        string otp;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        using (var first = new JournaledStore(time: time))
        {
            (_, token, otp) = first.Fixture.Issue(1, "x");
            Assert.True(first.Journal.Stop());
            StoreCheckpoint.Write(first.Dir, first.Fixture.Store, first.Journal.SegmentNumber + 1, out _, out _);
            dir = first.NewDir();
            foreach (string file in Directory.GetFiles(first.Dir))
            {
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            }

            // Restart on the snapshot, consume, crash: the next start must see "used".
            using var second = new JournaledStore(time: time, dir: dir);
            Assert.Equal(SnapshotStatus.Loaded, second.Recovered.Snapshot.Status);
            Assert.Equal(VerifyOutcome.Verified, second.Fixture.Verify(1, token, otp));
            StoreFixture third = second.Recover(second.CrashImage());
            Assert.Equal(VerifyOutcome.Used, third.Verify(1, token, otp));
        }
    }
}
