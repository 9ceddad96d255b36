using OtpFast.Core.IO;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// Rebuilds the store at start from the data directory: the snapshot, then every journal
/// segment it does not cover, in order. Nothing here deletes data that is not covered
/// elsewhere: a bad snapshot and bad journal bytes are set aside, and only segments that an
/// intact snapshot covers are removed.
/// </summary>
public static class StoreRecovery
{
    /// <summary>Opens the store held in <paramref name="dataDir"/> (or a new empty one).</summary>
    /// <exception cref="IOException">The directory cannot be read or a file cannot be set aside.</exception>
    public static RecoveredStore Open(string dataDir, OtpStoreOptions configured, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(time);
        DateTimeOffset wallNow = time.GetUtcNow();
        string snapshotPath = SnapshotFile.PathIn(dataDir);
        OtpStoreOptions? shape = null;
        long firstSegment = 0;
        SnapshotOutcome outcome = new(SnapshotStatus.None, default, null, null);
        if (File.Exists(snapshotPath))
        {
            string? problem;
            using (FileStream check = File.OpenRead(snapshotPath))
            {
                problem = StoreSnapshot.Validate(check);
            }

            if (problem is null)
            {
                using FileStream header = File.OpenRead(snapshotPath);
                shape = StoreSnapshot.OptionsFor(header, configured, out firstSegment);
            }
            else
            {
                outcome = new SnapshotOutcome(SnapshotStatus.MovedAside, default, problem, AsideFile.Move(snapshotPath, "corrupt", wallNow));
            }
        }

        var report = new JournalReplayReport();
        var toReplay = new List<long>();
        long highestSegment = 0;
        foreach (long number in JournalSegment.List(dataDir))
        {
            string path = JournalSegment.PathOf(dataDir, number);
            if (number < firstSegment)
            {
                // The intact snapshot holds everything these recorded.
                File.Delete(path);
                report.StaleDeleted++;
                continue;
            }

            // An unusable segment (bad header, another store's) is set aside; the ones after it
            // are still replayed: their records are absolute and only move pairs forward.
            string? problem = ReadHeader(path, number, out int shards, out byte[] key);
            if (problem is null && shape is null)
            {
                shape = configured.WithShape(shards, key);
            }
            else if (problem is null && (shape!.ShardCount != shards || !shape.CreatorHashKey.Span.SequenceEqual(key)))
            {
                problem = "it belongs to another store (shard count or key differ from the snapshot's)";
            }

            highestSegment = number;
            if (problem is not null)
            {
                (report.SetAside ??= []).Add($"{AsideFile.Move(path, "unusable", wallNow)} ({problem})");
                continue;
            }

            toReplay.Add(number);
        }

        var store = new ShardedOtpStore(shape ?? configured, time);
        if (outcome.Status != SnapshotStatus.MovedAside && File.Exists(snapshotPath))
        {
            using FileStream source = File.OpenRead(snapshotPath);
            using var buffered = new BufferedStream(source, 1 << 20);
            outcome = new SnapshotOutcome(SnapshotStatus.Loaded, StoreSnapshot.Load(buffered, store, wallNow), null, null);
        }

        // Never reuse a number, not even one set aside.
        long nextSegment = Math.Max(firstSegment, highestSegment + 1);
        long bytes = 0;
        foreach (long number in toReplay)
        {
            string path = JournalSegment.PathOf(dataDir, number);
            bytes += new FileInfo(path).Length;
            JournalReplay.Replay(path, store, wallNow, report);
        }

        // Replay keeps pairs whose time was up, because a later record may still extend them (a
        // failed-verify count with a longer window); what is still due now is reclaimed here.
        while (!store.AdvanceExpiry(int.MaxValue))
        {
        }

        if (report.StaleDeleted > 0 || report.SetAside is not null)
        {
            DiskSync.FlushDirectory(dataDir);
        }

        return new RecoveredStore(store, outcome, report, nextSegment, bytes);
    }

    private static string? ReadHeader(string path, long number, out int shards, out byte[] key)
    {
        Span<byte> header = stackalloc byte[JournalSegment.HeaderSize];
        int read;
        using (FileStream file = File.OpenRead(path))
        {
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        string? problem = JournalSegment.Validate(header[..read], number, out shards, out ReadOnlySpan<byte> keySpan);
        key = keySpan.ToArray();
        return problem;
    }
}

/// <summary>The store rebuilt at start, what was found, and where the journal goes on.</summary>
/// <param name="NextSegment">The segment number the journal writes next (higher than any kept).</param>
/// <param name="BytesSinceSnapshot">Journal bytes replayed: what the next compaction will fold in.</param>
public sealed record RecoveredStore(ShardedOtpStore Store, SnapshotOutcome Snapshot, JournalReplayReport Journal, long NextSegment, long BytesSinceSnapshot);
