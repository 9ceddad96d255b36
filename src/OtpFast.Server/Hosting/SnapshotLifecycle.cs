using OtpFast.Core.Store;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Loads the pair snapshot when the store is made and writes it once the server has stopped
/// (Kestrel no longer accepts, in-flight requests have finished), so a restart loses nothing.
/// </summary>
internal sealed partial class SnapshotLifecycle
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger<SnapshotLifecycle> _logger;

    public SnapshotLifecycle(string path, TimeProvider time, ILogger<SnapshotLifecycle> logger)
    {
        _path = path;
        _time = time;
        _logger = logger;
    }

    public ShardedOtpStore LoadStore(OtpStoreOptions options)
    {
        ShardedOtpStore store = SnapshotFile.LoadOrCreate(_path, options, _time, out SnapshotOutcome outcome);
        switch (outcome.Status)
        {
            case SnapshotStatus.Loaded:
                LogLoaded(outcome.Load.Loaded, outcome.Load.Expired, outcome.Load.Refused, _path);
                break;
            case SnapshotStatus.MovedAside:
                LogMovedAside(_path, outcome.Problem!, outcome.MovedTo!);
                break;
        }

        return store;
    }

    public void Save(ShardedOtpStore store)
    {
        try
        {
            long count = SnapshotFile.Save(_path, store, _time.GetUtcNow());
            LogSaved(count, _path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(_path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot loaded: {Loaded} pairs restored, {Expired} expired while stopped, {Refused} over MaxLivePairs, from {Path}")]
    private partial void LogLoaded(long loaded, long expired, long refused, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshot {Path} is unusable ({Problem}); moved aside to {MovedTo}, starting with no pairs")]
    private partial void LogMovedAside(string path, string problem, string movedTo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot written: {Count} pairs to {Path}")]
    private partial void LogSaved(long count, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Snapshot could not be written to {Path}: {Problem}; the previous snapshot, if any, is intact")]
    private partial void LogSaveFailed(string path, string problem);
}
