using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Store;

public sealed class SnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-snap-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private string SnapshotPath => SnapshotFile.PathIn(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OneHundredThousandPairsSurviveARestartAndAllVerify()
    {
        var options = new OtpStoreOptions { MaxLivePairs = 200_000, MaxVerifyAttempts = 3 };
        var store = new ShardedOtpStore(options, _time);
        var pairs = new List<(OtpToken Token, string Otp, string Creator)>();
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        for (int i = 0; i < 100_000; i++)
        {
            string creator = $"user{i}@example.com";
            PendingIssue r = store.Issue(1 + (i % 3), Encoding.UTF8.GetBytes(creator), (CodeType)(i % 3), 4 + (i % 9), i % 10 == 0 ? 0 : 600, false, otp);
            pairs.Add((r.Token, Encoding.ASCII.GetString(otp[..r.OtpLength]), creator));
        }

        Assert.Equal(100_000, SnapshotFile.Save(SnapshotPath, store, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(30));
        ShardedOtpStore restored = Recover(options, _time, out SnapshotOutcome outcome);

        Assert.Equal(SnapshotStatus.Loaded, outcome.Status);
        Assert.Equal(new SnapshotLoad(100_000, 0, 0), outcome.Load);
        Assert.Equal(store.ShardCount, restored.ShardCount);
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        for (int i = 0; i < pairs.Count; i++)
        {
            var (token, code, _) = pairs[i];
            Assert.Equal(VerifyOutcome.Verified, restored.Verify(1 + (i % 3), token, Encoding.ASCII.GetBytes(code), matched).Outcome);
        }
    }

    [Fact]
    public void AttemptCountsUsedFlagsAndCreatorsAreKept()
    {
        var options = new OtpStoreOptions { MaxVerifyAttempts = 3 };
        var f = new StoreFixture(maxAttempts: 3);
        var guessed = f.Issue(1, "guessed");
        var used = f.Issue(1, "used");
        var hot = f.Issue(1, "hot");
        f.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp));
        f.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp));
        f.Verify(1, used.Token, used.Otp);

        SnapshotFile.Save(SnapshotPath, f.Store, f.Time.GetUtcNow());
        var g = new StoreFixture(Recover(options, f.Time, out SnapshotOutcome _), f.Time);

        // One wrong attempt left; the consumed pair stays consumed; reCreate=false still finds the live pair.
        Assert.Equal(VerifyOutcome.Mismatch, g.Verify(1, guessed.Token, StoreFixture.WrongCode(guessed.Otp)));
        Assert.Equal(VerifyOutcome.Locked, g.Verify(1, guessed.Token, guessed.Otp));
        Assert.Equal(VerifyOutcome.Used, g.Verify(1, used.Token, used.Otp));
        var again = g.Issue(1, "hot");
        Assert.Equal(IssueStatus.Existing, again.Status);
        Assert.Equal(hot.Token, again.Token);
        Assert.Equal(hot.Otp, again.Otp);
    }

    [Fact]
    public void PairsThatExpiredWhileStoppedComeBackAsExpiredTombstonesUntilTheirTimeIsUpAndTheRestKeepTheirRemainingTime()
    {
        var f = new StoreFixture();
        var shortLived = f.Issue(1, "short", 60);
        var longLived = f.Issue(1, "long", 600);
        SnapshotFile.Save(SnapshotPath, f.Store, f.Time.GetUtcNow());
        f.Time.Advance(TimeSpan.FromSeconds(120));

        var g = new StoreFixture(Recover(new OtpStoreOptions(), f.Time, out SnapshotOutcome outcome), f.Time);
        Assert.Equal(new SnapshotLoad(2, 0, 0), outcome.Load);
        Assert.Equal(1, g.Store.TombstoneCount);
        Assert.Equal(VerifyOutcome.Expired, g.Verify(1, shortLived.Token, shortLived.Otp));
        f.Time.Advance(TimeSpan.FromSeconds(479));
        Assert.Equal(VerifyOutcome.Verified, g.Verify(1, longLived.Token, longLived.Otp));

        // 1,000 s after the snapshot: short's tombstone (60 s + 15 min) is gone, long's (600 s + 15 min) is not.
        f.Time.Advance(TimeSpan.FromSeconds(401));
        var h = new StoreFixture(Recover(new OtpStoreOptions(), f.Time, out outcome), f.Time);
        Assert.Equal(new SnapshotLoad(1, 1, 0), outcome.Load);
        Assert.Equal(VerifyOutcome.Unknown, h.Verify(1, shortLived.Token, shortLived.Otp));
        Assert.Equal(VerifyOutcome.Expired, h.Verify(1, longLived.Token, longLived.Otp));
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("extend")]
    [InlineData("garbage")]
    public void ABadSnapshotIsMovedAsideNeverDeletedAndTheStoreStartsEmpty(string damage)
    {
        var f = new StoreFixture();
        for (int i = 0; i < 100; i++)
        {
            f.Issue(1, $"u{i}");
        }

        SnapshotFile.Save(SnapshotPath, f.Store, f.Time.GetUtcNow());
        byte[] bytes = File.ReadAllBytes(SnapshotPath);
        byte[] damaged = damage switch
        {
            "truncate" => bytes[..(bytes.Length - 100)],
            "flip" => Flip(bytes, StoreSnapshot.HeaderSize + 70),
            "extend" => [.. bytes, 0],
            _ => Encoding.ASCII.GetBytes("not a snapshot at all"),
        };
        File.WriteAllBytes(SnapshotPath, damaged);

        ShardedOtpStore store = Recover(new OtpStoreOptions(), f.Time, out SnapshotOutcome outcome);
        Assert.Equal(SnapshotStatus.MovedAside, outcome.Status);
        Assert.NotNull(outcome.Problem);
        Assert.Equal(0, store.LiveCount);
        Assert.False(File.Exists(SnapshotPath));
        Assert.Equal(damaged, File.ReadAllBytes(outcome.MovedTo!));
    }

    [Fact]
    public void AWriteKilledHalfwayLeavesThePreviousSnapshotIntactAndLoadable()
    {
        var f = new StoreFixture();
        var kept = f.Issue(1, "kept");
        SnapshotFile.Save(SnapshotPath, f.Store, f.Time.GetUtcNow());

        // A kill -9 during the next write leaves a partial temporary file beside the snapshot.
        f.Issue(1, "newer");
        using (var partial = new MemoryStream())
        {
            StoreSnapshot.Write(f.Store, partial, f.Time.GetUtcNow());
            File.WriteAllBytes(SnapshotPath + ".tmp", partial.ToArray()[..(int)(partial.Length / 2)]);
        }

        var g = new StoreFixture(Recover(new OtpStoreOptions(), f.Time, out SnapshotOutcome outcome), f.Time);
        Assert.Equal(SnapshotStatus.Loaded, outcome.Status);
        Assert.Equal(1, outcome.Load.Loaded);
        Assert.Equal(VerifyOutcome.Verified, g.Verify(1, kept.Token, kept.Otp));

        // The next save replaces the stale temporary file.
        SnapshotFile.Save(SnapshotPath, g.Store, f.Time.GetUtcNow());
        Assert.False(File.Exists(SnapshotPath + ".tmp"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheSnapshotIsPrivate()
    {
        SnapshotFile.Save(SnapshotPath, new StoreFixture().Store, _time.GetUtcNow());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SnapshotPath));
    }

    [Fact]
    public void NoSnapshotMeansAnEmptyStore()
    {
        ShardedOtpStore store = Recover(new OtpStoreOptions(), _time, out SnapshotOutcome outcome);
        Assert.Equal(SnapshotStatus.None, outcome.Status);
        Assert.Equal(0, store.LiveCount);
    }

    // The entry packs its code; the file keeps it as 12 ASCII bytes, zeros after the code and
    // all zeros for a tombstone, with the length in byte 44 either way.
    [Fact]
    public void RecordsHoldTheCodeAsAsciiAndATombstonesLength()
    {
        var f = new StoreFixture(maxAttempts: 1000);
        var live = f.Issue(1, "live", length: 11, type: CodeType.Alphanum);
        var used = f.Issue(1, "used", length: 7);
        Assert.Equal(VerifyOutcome.Verified, f.Verify(1, used.Token, used.Otp));
        var stream = new MemoryStream();
        Assert.Equal(2, StoreSnapshot.Write(f.Store, stream, _time.GetUtcNow()));

        byte[] bytes = stream.ToArray();
        for (int at = StoreSnapshot.HeaderSize; at < bytes.Length - StoreSnapshot.TrailerSize; at += StoreSnapshot.RecordSize)
        {
            ReadOnlySpan<byte> r = bytes.AsSpan(at, StoreSnapshot.RecordSize);
            var token = new UInt128(BitConverter.ToUInt64(r[8..16]), BitConverter.ToUInt64(r[..8]));
            var (otp, dead) = token == live.Token.Value ? (live.Otp, false) : (used.Otp, true);
            Assert.Equal(otp.Length, r[44]);
            byte[] expected = new byte[CodeAlphabet.MaxLength];
            if (!dead)
            {
                Encoding.ASCII.GetBytes(otp).CopyTo(expected, 0);
            }

            Assert.Equal(expected, r.Slice(48, CodeAlphabet.MaxLength).ToArray());
        }
    }

    private ShardedOtpStore Recover(OtpStoreOptions options, TimeProvider time, out SnapshotOutcome outcome)
    {
        RecoveredStore recovered = StoreRecovery.Open(_dir, options, time);
        outcome = recovered.Snapshot;
        return recovered.Store;
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        byte[] copy = [.. bytes];
        copy[at] ^= 0x40;
        return copy;
    }
}
