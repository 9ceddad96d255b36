using OtpFast.Core.IO;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// The snapshot on disk (<c>pairs.snapshot</c> in the data directory): written atomically,
/// loaded at start, and never deleted when it is bad.
/// </summary>
/// <remarks>
/// A write goes through <see cref="AtomicPrivateFile"/> (temp 0600, fsync, rename, fsync of the
/// directory): a crash at any moment leaves either the old snapshot or the new one whole. A
/// snapshot that fails its checks at start is renamed aside (<see cref="AsideFile"/>) and the
/// server starts from the journal alone, or empty.
/// </remarks>
public static class SnapshotFile
{
    public const string FileName = "pairs.snapshot";

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    /// <summary>Writes the snapshot atomically; returns the number of pairs written.</summary>
    /// <param name="firstSegment">The first journal segment the snapshot does not cover.</param>
    /// <exception cref="IOException">It could not be made durable; the previous snapshot is intact and no temp file is left.</exception>
    public static long Save(string path, ShardedOtpStore store, DateTimeOffset wallNow, long firstSegment = 0) =>
        AtomicPrivateFile.Write(path, file =>
        {
            // Not disposed: that would close the file before AtomicPrivateFile syncs it.
            var buffered = new BufferedStream(file, 1 << 20);
            long count = StoreSnapshot.Write(store, buffered, wallNow, firstSegment);
            buffered.Flush();
            return count;
        });
}

public enum SnapshotStatus
{
    /// <summary>No snapshot: the store starts from the journal, or empty.</summary>
    None,

    Loaded,

    /// <summary>The snapshot failed its checks and was renamed; the store starts from the journal, or empty.</summary>
    MovedAside,
}

/// <summary>What start-up found in the snapshot.</summary>
public readonly record struct SnapshotOutcome(SnapshotStatus Status, SnapshotLoad Load, string? Problem, string? MovedTo);
