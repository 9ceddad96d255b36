using OtpFast.Core.IO;

namespace OtpFast.Core.Store;

/// <summary>
/// The snapshot on disk (<c>pairs.snapshot</c> in the data directory): written atomically,
/// loaded at start, and never deleted when it is bad.
/// </summary>
/// <remarks>
/// A write goes to <c>pairs.snapshot.tmp</c> (mode 0600), is flushed to disk, then renamed over
/// the old snapshot: a crash or kill -9 at any moment leaves either the old snapshot or the new
/// one whole, never a mix. A snapshot that fails its checks at start is renamed to
/// <c>pairs.snapshot.corrupt-YYYYMMDDTHHMMSSZ</c> and the server starts empty.
/// </remarks>
public static class SnapshotFile
{
    public const string FileName = "pairs.snapshot";

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    /// <summary>Writes the snapshot atomically; returns the number of pairs written.</summary>
    public static long Save(string path, ShardedOtpStore store, DateTimeOffset wallNow)
    {
        string temp = path + ".tmp";
        long count;
        using (var file = new FileStream(temp, PrivateFile.Options(FileMode.Create, FileAccess.Write)))
        using (var buffered = new BufferedStream(file, 1 << 20))
        {
            count = StoreSnapshot.Write(store, buffered, wallNow);
            buffered.Flush();
            file.Flush(flushToDisk: true);
        }

        PrivateFile.Restrict(temp);
        File.Move(temp, path, overwrite: true);
        return count;
    }

    /// <summary>
    /// Makes the store: from the snapshot when there is a good one, else empty. A bad snapshot
    /// is moved aside; <paramref name="outcome"/> says what happened, for the log.
    /// </summary>
    public static ShardedOtpStore LoadOrCreate(string path, OtpStoreOptions options, TimeProvider time, out SnapshotOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!File.Exists(path))
        {
            outcome = new SnapshotOutcome(SnapshotStatus.None, default, null, null);
            return new ShardedOtpStore(options, time);
        }

        string? problem;
        using (FileStream check = File.OpenRead(path))
        {
            problem = StoreSnapshot.Validate(check);
        }

        if (problem is not null)
        {
            string aside = $"{path}.corrupt-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}";
            File.Move(path, aside, overwrite: false);
            outcome = new SnapshotOutcome(SnapshotStatus.MovedAside, default, problem, aside);
            return new ShardedOtpStore(options, time);
        }

        using FileStream source = File.OpenRead(path);
        ShardedOtpStore store = new(StoreSnapshot.OptionsFor(source, options), time);
        source.Position = 0;
        using var buffered = new BufferedStream(source, 1 << 20);
        SnapshotLoad load = StoreSnapshot.Load(buffered, store, time.GetUtcNow());
        outcome = new SnapshotOutcome(SnapshotStatus.Loaded, load, null, null);
        return store;
    }
}

public enum SnapshotStatus
{
    /// <summary>No snapshot: the store starts empty.</summary>
    None,

    Loaded,

    /// <summary>The snapshot failed its checks and was renamed; the store starts empty.</summary>
    MovedAside,
}

/// <summary>What <see cref="SnapshotFile.LoadOrCreate"/> found.</summary>
public readonly record struct SnapshotOutcome(SnapshotStatus Status, SnapshotLoad Load, string? Problem, string? MovedTo);
