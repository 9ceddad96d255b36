using OtpFast.Core.IO;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// Writes a snapshot that covers every journal segment before a given one, then deletes those
/// segments. The order makes every moment crash-safe: until the new snapshot is durable
/// (renamed, directory synced) the old snapshot and all segments are still there to replay.
/// </summary>
public static class StoreCheckpoint
{
    /// <returns>The pairs written.</returns>
    /// <exception cref="IOException">The snapshot could not be made durable; nothing was deleted.</exception>
    public static long Write(string dataDir, ShardedOtpStore store, long firstSegment, out int deletedSegments, out long deletedBytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        long pairs = SnapshotFile.Save(SnapshotFile.PathIn(dataDir), store, DateTimeOffset.FromUnixTimeMilliseconds(store.ToWall(store.NowMs)), firstSegment);
        deletedSegments = 0;
        deletedBytes = 0;
        foreach (long number in JournalSegment.List(dataDir))
        {
            if (number >= firstSegment)
            {
                break;
            }

            string path = JournalSegment.PathOf(dataDir, number);
            deletedBytes += new FileInfo(path).Length;
            File.Delete(path);
            deletedSegments++;
        }

        if (deletedSegments > 0)
        {
            DiskSync.FlushDirectory(dataDir);
        }

        return pairs;
    }
}
