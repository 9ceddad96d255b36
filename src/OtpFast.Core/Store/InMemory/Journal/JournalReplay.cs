using OtpFast.Core.IO;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// Replays journal segments into a store at start, never dropping a good record because of a
/// bad one before it.
/// </summary>
/// <remarks>
/// Records hold absolute values that only move a pair forward (attempts grow, used and locked
/// are final, an Issued record only removes the creator's older pair), so applying the records
/// after a damaged one can only make the store stricter; skipping them is what would revive a
/// consumed code. So a corrupt record with good records after it (a flipped bit) is skipped:
/// replay resumes at the next record whose framing and checksum hold, and the skipped bytes are
/// kept aside and reported. Bad bytes with no good record after them are a torn tail (a crash in
/// the middle of a write): the segment is cut there, after a synced copy of the cut bytes is kept
/// aside. Nothing is deleted.
/// </remarks>
internal static class JournalReplay
{
    private const int ChunkBytes = 1 << 20;

    public static void Replay(string path, ShardedOtpStore store, DateTimeOffset wallNow, JournalReplayReport report)
    {
        long tornAt = -1;
        bool tornShort = false;
        var skipped = new List<(long From, long To)>();
        long kept = 0;
        long length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
        {
            length = file.Length;
            var window = new Window(file, length);
            long position = JournalSegment.HeaderSize;
            while (position < length)
            {
                int size = JournalRecord.TryRead(window.At(position, JournalRecord.MaxSize), out JournalRecordType type, out ReadOnlySpan<byte> payload);
                if (size > 0)
                {
                    Apply(store, type, payload, report);
                    kept++;
                    position += size;
                    continue;
                }

                long next = NextGoodRecord(window, position + 1, length);
                if (next < 0)
                {
                    tornAt = position;
                    tornShort = size == 0;
                    break;
                }

                skipped.Add((position, next));
                position = next;
            }
        }

        report.Records += kept;
        report.Segments++;
        foreach ((long from, long to) in skipped)
        {
            string aside = AsideFile.Keep(path, "corrupt", ReadRange(path, from, to), wallNow);
            (report.Skipped ??= []).Add($"{path}: bytes {from}..{to} failed their checks and were skipped; replay went on at the next good record; kept in {aside}");
        }

        if (tornAt >= 0)
        {
            report.TornSegment = path;
            report.TornDescription = tornShort ? "a record cut short (crash mid-write)" : "bytes that are no record (checksum or framing)";
            report.TornOffset = tornAt;
            report.TornKeptRecords = kept;
            report.TornBytes = length - tornAt;
            report.TornKeptAside = AsideFile.Keep(path, "torn", ReadRange(path, tornAt, length), wallNow);
        }

        if (skipped.Count > 0 || tornAt >= 0)
        {
            // The copies must be durable before the only other copy is cut off.
            DiskSync.FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        }

        if (tornAt >= 0)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            file.SetLength(tornAt);
            file.Flush(flushToDisk: true);
        }
    }

    // The offset of the first byte at or after from where a whole, checksummed record starts; -1 if none.
    private static long NextGoodRecord(Window window, long from, long length)
    {
        for (long candidate = from; candidate < length; candidate++)
        {
            if (JournalRecord.TryRead(window.At(candidate, JournalRecord.MaxSize), out _, out _) > 0)
            {
                return candidate;
            }
        }

        return -1;
    }

    private static byte[] ReadRange(string path, long from, long to)
    {
        byte[] bytes = new byte[to - from];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        file.Position = from;
        file.ReadExactly(bytes);
        return bytes;
    }

    private static void Apply(ShardedOtpStore store, JournalRecordType type, ReadOnlySpan<byte> payload, JournalReplayReport report)
    {
        ReplayEffect effect;
        if (type == JournalRecordType.Issued)
        {
            PairEntry entry = JournalRecord.ReadIssued(payload, out long deadlineWall, out long createdWall, out long failuresSinceWall);
            entry.Deadline = store.FromWall(deadlineWall);
            entry.CreatedAt = StoreTenths(store, createdWall);
            entry.CreatorFailuresSince = StoreTenths(store, failuresSinceWall);
            effect = store.ReplayIssued(entry);
        }
        else
        {
            UInt128 token = JournalRecord.ReadState(payload, out int attempts, out PairFlags flags, out long deadlineWall, out int failures, out long failuresSinceWall);
            effect = store.ReplayState(token, attempts, flags, store.FromWall(deadlineWall), failures, StoreTenths(store, failuresSinceWall));
        }

        if (effect == ReplayEffect.Refused)
        {
            report.Refused++;
        }
    }

    private static int StoreTenths(ShardedOtpStore store, long wallMs) =>
        (int)Math.Clamp(store.FromWall(wallMs) / 100, int.MinValue, int.MaxValue);

    /// <summary>A sliding view of a file, refilled in 1 MiB chunks as the reader moves forward.</summary>
    private sealed class Window(FileStream file, long length)
    {
        private readonly byte[] _chunk = new byte[ChunkBytes];
        private long _start;
        private int _filled;

        /// <summary>Up to <paramref name="count"/> bytes from <paramref name="position"/> (fewer at the end of the file).</summary>
        public ReadOnlySpan<byte> At(long position, int count)
        {
            long wantEnd = Math.Min(length, position + count);
            if (position < _start || wantEnd > _start + _filled)
            {
                file.Position = position;
                _start = position;
                _filled = file.ReadAtLeast(_chunk, (int)Math.Min(ChunkBytes, length - position), throwOnEndOfStream: false);
            }

            int offset = (int)(position - _start);
            return _chunk.AsSpan(offset, (int)Math.Min(count, _filled - offset));
        }
    }
}

/// <summary>What the journal replay at start did (for the log).</summary>
public sealed class JournalReplayReport
{
    public int Segments { get; set; }

    public long Records { get; set; }

    /// <summary>Pairs not restored because the store was at MaxLivePairs.</summary>
    public long Refused { get; set; }

    /// <summary>The last segment whose tail was cut off, or null.</summary>
    public string? TornSegment { get; set; }

    public string? TornDescription { get; set; }

    public long TornOffset { get; set; }

    public long TornKeptRecords { get; set; }

    public long TornBytes { get; set; }

    public string? TornKeptAside { get; set; }

    /// <summary>Damaged ranges in the middle of segments, skipped (replay went on after them).</summary>
    public List<string>? Skipped { get; set; }

    /// <summary>Segments whose header is unusable, moved aside (the others are replayed).</summary>
    public List<string>? SetAside { get; set; }

    /// <summary>Segments already covered by the snapshot, deleted.</summary>
    public int StaleDeleted { get; set; }
}
