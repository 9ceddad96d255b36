using OtpFast.Core.IO;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Keeps the embedded store on disk: rebuilds it at start (snapshot, then journal), runs the
/// journal while serving, and at a graceful stop (after Kestrel has drained) syncs the journal,
/// writes a snapshot that covers it and deletes the segments, so a clean restart replays nothing.
/// </summary>
internal sealed partial class PairPersistence : IJournalEvents, IDisposable
{
    private readonly string _dataDir;
    private readonly TimeProvider _time;
    private readonly JournalOptions _journalOptions;
    private readonly ILogger<PairPersistence> _logger;
    private ShardedOtpStore? _store;
    private StoreJournal? _journal;
    private long _nextSegment;

    public PairPersistence(string dataDir, TimeProvider time, JournalOptions journalOptions, ILogger<PairPersistence> logger)
    {
        _dataDir = dataDir;
        _time = time;
        _journalOptions = journalOptions;
        _logger = logger;
    }

    /// <summary>False once a stop could not make every change durable (the process then exits with <see cref="ExitCodes.PersistFailed"/>).</summary>
    public bool PersistedOnStop { get; private set; } = true;

    /// <exception cref="IOException">The pairs cannot be read or the journal cannot be started; the message says which (start-up turns it into one line with the fix).</exception>
    public ShardedOtpStore Open(OtpStoreOptions options)
    {
        RecoveredStore recovered;
        try
        {
            recovered = StoreRecovery.Open(_dataDir, options, _time);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read the pairs in {Path.GetFullPath(_dataDir)}: {IoProblem.Describe(e)}", e);
        }

        Report(recovered);
        _store = recovered.Store;
        _nextSegment = recovered.NextSegment;
        if (_journalOptions.Mode != DurabilityMode.Off)
        {
            try
            {
                _journal = new StoreJournal(_store, _dataDir, recovered.NextSegment, recovered.BytesSinceSnapshot, _journalOptions, this);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create the journal in {Path.GetFullPath(_dataDir)}: {IoProblem.Describe(e)}", e);
            }

            if (recovered.Journal.Segments > 0)
            {
                // Fold what was replayed into a snapshot now, in the background: a server that
                // crashes again and again would otherwise add a segment per start.
                _journal.CompactInBackgroundNow();
            }

            string mode = _journalOptions.Mode.ToString().ToLowerInvariant();
            string segment = JournalSegment.PathOf(_dataDir, recovered.NextSegment);
            LogJournalStarted(mode, segment);
        }
        else
        {
            LogJournalOff();
        }

        return _store;
    }

    /// <summary>Runs once the server has stopped taking requests.</summary>
    public void Stop()
    {
        if (_store is null)
        {
            return;
        }

        long firstSegment = _nextSegment;
        bool journalComplete = true;
        if (_journal is not null)
        {
            // Read after the stop: a compaction that was running may have started a later segment.
            journalComplete = _journal.Stop();
            firstSegment = _journal.SegmentNumber + 1;
        }

        // A snapshot that succeeds holds everything, whatever the journal managed; one that
        // fails leaves the journal as the only copy.
        string path = SnapshotFile.PathIn(_dataDir);
        try
        {
            long count = StoreCheckpoint.Write(_dataDir, _store, firstSegment, out int deleted, out _);
            LogSaved(count, path, deleted);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PersistedOnStop = false;
            string problem = IoProblem.Describe(e);
            string consequence = _journal is null ? "pairs changed since the last snapshot are lost"
                : journalComplete ? "the journal still holds every change and the next start replays it"
                : "the journal could not sync its last changes either: those are lost";
            LogSaveFailed(path, problem, consequence);
        }
    }

    /// <summary>A host disposed without a stop (a start-up that failed after the store opened) still ends the writer thread and closes its segment.</summary>
    public void Dispose() => _journal?.Dispose();

    void IJournalEvents.WriteFailed(string segmentPath, string problem) => LogWriteFailed(segmentPath, problem);

    void IJournalEvents.WriteRecovered(string segmentPath) => LogWriteRecovered(segmentPath);

    void IJournalEvents.Compacted(long pairs, int segmentsDeleted, TimeSpan took) => LogCompacted(pairs, segmentsDeleted, (long)took.TotalMilliseconds);

    void IJournalEvents.CompactionFailed(string problem) => LogCompactionFailed(problem);

    private void Report(RecoveredStore recovered)
    {
        SnapshotOutcome snapshot = recovered.Snapshot;
        string snapshotPath = SnapshotFile.PathIn(_dataDir);
        switch (snapshot.Status)
        {
            case SnapshotStatus.Loaded:
                LogLoaded(snapshot.Load.Loaded, snapshot.Load.Expired, snapshot.Load.Refused, snapshotPath);
                break;
            case SnapshotStatus.MovedAside:
                LogMovedAside(snapshotPath, snapshot.Problem!, snapshot.MovedTo!);
                break;
        }

        JournalReplayReport journal = recovered.Journal;
        if (journal.Segments > 0)
        {
            LogReplayed(journal.Records, journal.Segments, recovered.Store.LiveCount, journal.Refused);
        }

        if (journal.TornSegment is not null)
        {
            LogTorn(journal.TornSegment, journal.TornDescription!, journal.TornOffset, journal.TornKeptRecords, journal.TornBytes, journal.TornKeptAside!);
        }

        foreach (string skipped in journal.Skipped ?? [])
        {
            LogRangeSkipped(skipped);
        }

        foreach (string aside in journal.SetAside ?? [])
        {
            LogSegmentSetAside(aside);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Snapshot loaded: {Loaded} pairs restored, {Expired} dropped because their time ran out while stopped, {Refused} over MaxLivePairs, from {Path}")]
    private partial void LogLoaded(long loaded, long expired, long refused, string path);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Snapshot {Path} is unusable ({Problem}); moved aside to {MovedTo}; starting from the journal alone")]
    private partial void LogMovedAside(string path, string problem, string movedTo);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Journal replayed: {Records} records from {Segments} segment(s); {Live} pairs held; {Refused} over MaxLivePairs")]
    private partial void LogReplayed(long records, int segments, long live, long refused);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Journal {Segment} ends in {What} at byte {Offset}: replay kept the {Kept} records before it; the {Bytes} bytes after it were cut off and kept in {Aside}")]
    private partial void LogTorn(string segment, string what, long offset, long kept, long bytes, string aside);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Journal damaged: {What}")]
    private partial void LogRangeSkipped(string what);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Journal segment not replayed and set aside: {Aside}")]
    private partial void LogSegmentSetAside(string aside);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Durability {Mode}: journaling to {Segment}")]
    private partial void LogJournalStarted(string mode, string segment);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Durability off: no journal; a crash loses every change since the last graceful stop and can make used codes verify again")]
    private partial void LogJournalOff();

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Journal write to {Segment} failed ({Problem}); changes are refused with 503 until the disk takes writes again")]
    private partial void LogWriteFailed(string segment, string problem);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "Journal writes to {Segment} work again; changes are accepted")]
    private partial void LogWriteRecovered(string segment);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information, Message = "Journal compacted: snapshot of {Pairs} pairs written, {Deleted} old segment(s) deleted, in {Milliseconds} ms")]
    private partial void LogCompacted(long pairs, int deleted, long milliseconds);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Journal compaction failed ({Problem}); the journal keeps growing until the next attempt")]
    private partial void LogCompactionFailed(string problem);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Snapshot written: {Count} pairs to {Path}; {Deleted} journal segment(s) deleted")]
    private partial void LogSaved(long count, string path, int deleted);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "Snapshot could not be written to {Path} ({Problem}); {Consequence}")]
    private partial void LogSaveFailed(string path, string problem, string consequence);
}
