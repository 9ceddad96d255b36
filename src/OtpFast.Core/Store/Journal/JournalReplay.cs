using OtpFast.Core.IO;

namespace OtpFast.Core.Store.Journal;

/// <summary>
/// Replays journal segments into a store at start. A segment whose records end in a torn or
/// corrupt record (a crash mid-write, a flipped bit) ends the replay there: the segment is cut
/// to its last good record and the bytes cut off are kept aside, never deleted.
/// </summary>
internal static class JournalReplay
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Replays one segment; returns false when it ended at a bad record (replay must stop).</summary>
    public static bool Replay(string path, ShardedOtpStore store, DateTimeOffset wallNow, JournalReplayReport report)
    {
        long goodLength;
        long kept = 0;
        bool torn;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
        {
            long length = file.Length;
            byte[] chunk = new byte[ChunkBytes];
            int filled = file.ReadAtLeast(chunk.AsSpan(0, Math.Min(ChunkBytes, (int)Math.Min(length, ChunkBytes))), JournalSegment.HeaderSize, throwOnEndOfStream: false);
            int offset = JournalSegment.HeaderSize;
            long chunkStart = 0;
            torn = false;
            while (true)
            {
                ReadOnlySpan<byte> rest = chunk.AsSpan(offset, filled - offset);
                int size = JournalRecord.TryRead(rest, out JournalRecordType type, out ReadOnlySpan<byte> payload);
                if (size > 0)
                {
                    Apply(store, type, payload, report);
                    kept++;
                    offset += size;
                    continue;
                }

                long position = chunkStart + offset;
                if (size == 0 && chunkStart + filled < length)
                {
                    // The record runs past this chunk: move the rest to the front and read on.
                    rest.CopyTo(chunk);
                    chunkStart = position;
                    filled = rest.Length + file.ReadAtLeast(chunk.AsSpan(rest.Length), 1, throwOnEndOfStream: false);
                    offset = 0;
                    continue;
                }

                goodLength = position;
                torn = position < length;
                if (torn)
                {
                    report.TornDescription = size == 0 ? "a record cut short (crash mid-write)" : "a corrupt record (checksum or framing)";
                }

                break;
            }

            if (torn)
            {
                byte[] dropped = new byte[length - goodLength];
                file.Position = goodLength;
                file.ReadExactly(dropped);
                report.TornSegment = path;
                report.TornOffset = goodLength;
                report.TornKeptRecords = kept;
                report.TornBytes = dropped.Length;
                report.TornKeptAside = AsideFile.Keep(path, "torn", dropped, wallNow);
            }
        }

        report.Records += kept;
        report.Segments++;
        if (!torn)
        {
            return true;
        }

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            file.SetLength(goodLength);
            file.Flush(flushToDisk: true);
        }

        return false;
    }

    private static void Apply(ShardedOtpStore store, JournalRecordType type, ReadOnlySpan<byte> payload, JournalReplayReport report)
    {
        ReplayEffect effect;
        if (type == JournalRecordType.Issued)
        {
            PairEntry entry = JournalRecord.ReadIssued(payload, out long deadlineWall, out long createdWall);
            entry.Deadline = store.FromWall(deadlineWall);
            entry.CreatedAt = (int)Math.Clamp(store.FromWall(createdWall) / 100, int.MinValue, int.MaxValue);
            effect = store.ReplayIssued(entry);
        }
        else
        {
            UInt128 token = JournalRecord.ReadState(payload, out int attempts, out PairFlags flags, out long deadlineWall);
            effect = store.ReplayState(token, attempts, flags, store.FromWall(deadlineWall));
        }

        if (effect == ReplayEffect.Refused)
        {
            report.Refused++;
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

    /// <summary>The segment whose replay stopped at a bad record, or null.</summary>
    public string? TornSegment { get; set; }

    public string? TornDescription { get; set; }

    public long TornOffset { get; set; }

    public long TornKeptRecords { get; set; }

    public long TornBytes { get; set; }

    public string? TornKeptAside { get; set; }

    /// <summary>Segments after a bad record, moved aside unreplayed.</summary>
    public List<string>? SetAside { get; set; }

    /// <summary>Segments already covered by the snapshot, deleted.</summary>
    public int StaleDeleted { get; set; }
}
