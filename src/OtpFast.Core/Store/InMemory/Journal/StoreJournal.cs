using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using OtpFast.Core.IO;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// The write-ahead journal of a <see cref="ShardedOtpStore"/>: one writer thread that drains
/// every shard's <see cref="JournalBuffer"/>, appends the records to the current segment and
/// syncs them with one <c>fdatasync</c> per round (group commit), then wakes the answers that
/// waited for that round.
/// </summary>
/// <remarks>
/// Requests never touch the file: they append to their shard's buffer under the shard lock
/// they already hold. A failed write (disk full, I/O error) truncates the segment back to its
/// last good length, keeps the round's bytes, and retries; meanwhile <see cref="IsFailing"/>
/// makes the store refuse changes, so nothing is answered that the disk has not taken.
/// </remarks>
public sealed class StoreJournal : IDisposable
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly long CompactionRetryTicks = 30 * Stopwatch.Frequency;

    private readonly ShardedOtpStore _store;
    private readonly string _dataDir;
    private readonly JournalOptions _options;
    private readonly IJournalEvents _events;
    private readonly CommitWaiters _waiters = new();
    private readonly JournalStaging _staging = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly Lock _rotationLock = new();
    private readonly Thread _thread;
    private readonly long _commitTimeoutTicks;
    private FileStream _segmentFile;
    private long _segmentNumber;
    private long _segmentLength;
    private long _bytesSinceSnapshot;
    private long _nextRound = 1;
    private int _wakeRequested;
    private volatile bool _failing;
    private volatile bool _stalled;
    private long _roundStartedAt;
    private readonly Timer _watchdog;
    private volatile bool _stopRequested;
    private volatile bool _lostOnStop;
    private volatile bool _disposed;
    private TaskCompletionSource<long>? _rotation;
    private Thread? _compaction;
    private long _noCompactionBefore;
    private int _stopAttempts;
    private long _syncs;
    private long _writeFailures;
    private long _compactions;

    /// <summary>Starts a new segment numbered <paramref name="segmentNumber"/> and the writer thread, and attaches the journal to the store's shards.</summary>
    /// <param name="bytesSinceSnapshot">Journal bytes the last snapshot does not cover yet (the segments replayed at start).</param>
    /// <exception cref="IOException">The segment cannot be created.</exception>
    public StoreJournal(ShardedOtpStore store, string dataDir, long segmentNumber, long bytesSinceSnapshot, JournalOptions options, IJournalEvents events)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        if (options.Mode == DurabilityMode.Off)
        {
            throw new ArgumentException("A journal needs a durability mode other than Off.", nameof(options));
        }

        _store = store;
        _dataDir = dataDir;
        _options = options;
        _events = events;
        _commitTimeoutTicks = (long)(options.CommitTimeout.TotalSeconds * Stopwatch.Frequency);
        _bytesSinceSnapshot = bytesSinceSnapshot;
        _segmentFile = CreateSegment(segmentNumber);
        _segmentNumber = segmentNumber;
        _segmentLength = JournalSegment.HeaderSize;
        store.AttachJournal(this);
        _thread = new Thread(Run) { IsBackground = true, Name = "otpfast-journal" };
        _thread.Start();
        _watchdog = new Timer(static state => ((StoreJournal)state!).Watch(), this, FailureBackoff, FailureBackoff);
    }

    public DurabilityMode Mode => _options.Mode;

    /// <summary>True while the disk refuses writes, or has not answered one for longer than the commit timeout: the store refuses changes meanwhile.</summary>
    public bool IsFailing => _failing || _stalled;

    /// <summary>The segment records go to now.</summary>
    public long SegmentNumber => Volatile.Read(ref _segmentNumber);

    /// <summary>Journal bytes not yet covered by a snapshot.</summary>
    public long BytesSinceSnapshot => Interlocked.Read(ref _bytesSinceSnapshot);

    /// <summary>Appends made durable with one fdatasync each (group commits).</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Writes or syncs the disk refused.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>The newest writer round on disk.</summary>
    public long DurableRound => _waiters.DurableRound;

    /// <summary>Completes with true once <paramref name="round"/> is on disk, or false when the disk did not take it within the commit timeout.</summary>
    public ValueTask<bool> WaitAsync(long round)
    {
        if (round <= 0)
        {
            return new ValueTask<bool>(true);
        }

        ValueTask<bool> wait = _waiters.WaitAsync(round, Stopwatch.GetTimestamp() + _commitTimeoutTicks, out bool registered);
        if (registered)
        {
            Wake();
        }

        return wait;
    }

    /// <summary>Completes once every record appended before the call is on disk (false: the disk did not take it in time).</summary>
    public ValueTask<bool> SyncAsync() => WaitAsync(Volatile.Read(ref _nextRound));

    /// <summary>
    /// Ends the current segment at a round boundary and starts the next; every record in the
    /// ended segments was applied to the store before this returns, so a snapshot taken after it,
    /// together with the segments from the returned number on, describes the store.
    /// </summary>
    /// <returns>The number of the new segment.</returns>
    /// <exception cref="IOException">The new segment could not be created, or the writer stopped.</exception>
    public long Rotate()
    {
        TaskCompletionSource<long> done;
        lock (_rotationLock)
        {
            if (_stopRequested)
            {
                throw new IOException("the journal is stopping");
            }

            _rotation ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            done = _rotation;
        }

        Wake();
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Writes a snapshot that covers every segment before a fresh one, then deletes those
    /// segments. Runs beside the requests; called by the writer when the journal grows past
    /// <see cref="JournalOptions.CompactBytes"/>, and by tests.
    /// </summary>
    public void Compact()
    {
        var took = Stopwatch.StartNew();
        long first = Rotate();
        long pairs = StoreCheckpoint.Write(_dataDir, _store, first, out int deleted, out long deletedBytes);
        Interlocked.Add(ref _bytesSinceSnapshot, -deletedBytes);
        Interlocked.Increment(ref _compactions);
        _events.Compacted(pairs, deleted, took.Elapsed);
    }

    /// <summary>
    /// Stops the writer after a last round has synced every record appended so far. Call it once
    /// no request can change the store any more (the server has drained).
    /// </summary>
    /// <returns>True when every record reached the disk.</returns>
    public bool Stop()
    {
        lock (_rotationLock)
        {
            _stopRequested = true;
        }

        Wake();

        // A disk that never answers must not hold the stop forever: what it has not taken is lost.
        TimeSpan patience = _options.CommitTimeout + TimeSpan.FromSeconds(5);
        if (!_thread.Join(patience) || !(_compaction?.Join(patience) ?? true))
        {
            _waiters.Close(result: false);
            return false;
        }

        _watchdog.Dispose();
        _segmentFile.Dispose();
        return !_lostOnStop;
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            _ = Stop();
        }

        _disposed = true;
        _watchdog.Dispose();

        // A writer that outlived the stop's patience (a disk that never answers) still waits on
        // the event, and would throw ObjectDisposedException on its own thread: leave it to the GC.
        if (!_thread.IsAlive)
        {
            _wake.Dispose();
        }
    }

    /// <summary>Asks the writer for a round now (an answer waits, or a shard's buffer is filling).</summary>
    internal void Wake()
    {
        // Read first: under load the flag is usually set already, and a read does not take the cache line.
        if (Volatile.Read(ref _wakeRequested) == 0 && Interlocked.Exchange(ref _wakeRequested, 1) == 0 && !_disposed)
        {
            _wake.Set();
        }
    }

    private void Run()
    {
        while (true)
        {
            _ = _wake.Wait(_failing ? FailureBackoff : _options.SyncInterval);
            _wake.Reset();
            Volatile.Write(ref _wakeRequested, 0);
            if (_failing)
            {
                Thread.Sleep(FailureBackoff);
            }

            bool stopping = _stopRequested;
            bool written = RunRound();
            if (written)
            {
                RotateIfAsked();
                StartCompactionIfDue();
            }

            if (stopping && (written || StopGivesUp()))
            {
                break;
            }
        }

        lock (_rotationLock)
        {
            _rotation?.TrySetException(new IOException("the journal stopped"));
        }

        _waiters.Close(result: false);
    }

    // At a stop the disk gets a few more chances (about 3 s), then what it would not take is reported lost.
    private bool StopGivesUp()
    {
        if (++_stopAttempts < 30)
        {
            return false;
        }

        _lostOnStop = true;
        return true;
    }

    // On a timer, beside the writer (the one place waiters time out): a write or sync that hangs
    // (a stalled device, a hard NFS mount) would otherwise hold every waiting answer and keep
    // accepting changes.
    private void Watch()
    {
        long now = Stopwatch.GetTimestamp();
        long started = Volatile.Read(ref _roundStartedAt);
        bool stalled = started != 0 && now - started > _commitTimeoutTicks;
        if (stalled && !_stalled)
        {
            _stalled = true;
            _events.WriteFailed(JournalSegment.PathOf(_dataDir, SegmentNumber), $"the disk has not answered a write or sync for more than {(long)_options.CommitTimeout.TotalMilliseconds} ms");
        }

        _waiters.Expire(now);
    }

    /// <summary>Drains every shard, appends and syncs; false when the disk refused (the bytes stay staged).</summary>
    private bool RunRound()
    {
        // Published before the drain: a record appended from here on carries at most this round.
        long round = _nextRound;
        Volatile.Write(ref _nextRound, round + 1);
        _store.DrainJournal(_staging, round + 1);
        if (_staging.Length > 0)
        {
            Volatile.Write(ref _roundStartedAt, Stopwatch.GetTimestamp());
            try
            {
                RandomAccess.Write(_segmentFile.SafeFileHandle, _staging.Written, _segmentLength);
                DiskSync.FlushData(_segmentFile.SafeFileHandle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(e);
                return false;
            }
            finally
            {
                Volatile.Write(ref _roundStartedAt, 0);
            }

            _segmentLength += _staging.Length;
            Interlocked.Increment(ref _syncs);
            Interlocked.Add(ref _bytesSinceSnapshot, _staging.Length);
            _staging.Clear();
            if (IsFailing)
            {
                _failing = _stalled = false;
                _events.WriteRecovered(JournalSegment.PathOf(_dataDir, _segmentNumber));
            }
        }

        _waiters.Durable(round);
        return true;
    }

    private void Fail(Exception e)
    {
        Interlocked.Increment(ref _writeFailures);
        try
        {
            // A write cut short by a full disk may have left part of a record: cut it off so a
            // retry (and a crash meanwhile) sees only whole records.
            RandomAccess.SetLength(_segmentFile.SafeFileHandle, _segmentLength);
        }
        catch (Exception truncate) when (truncate is IOException or UnauthorizedAccessException)
        {
            // Replay stops at a torn tail anyway; the retry overwrites it from _segmentLength.
        }

        if (!_failing)
        {
            _failing = true;
            _events.WriteFailed(JournalSegment.PathOf(_dataDir, _segmentNumber), IoProblem.Describe(e));
        }
    }

    private void RotateIfAsked()
    {
        TaskCompletionSource<long>? rotation;
        lock (_rotationLock)
        {
            rotation = _rotation;
        }

        if (rotation is null)
        {
            return;
        }

        lock (_rotationLock)
        {
            _rotation = null;
        }

        long next = _segmentNumber + 1;
        try
        {
            FileStream created = CreateSegment(next);
            _segmentFile.Dispose();
            _segmentFile = created;
            Volatile.Write(ref _segmentNumber, next);
            _segmentLength = JournalSegment.HeaderSize;
            rotation.TrySetResult(next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            rotation.TrySetException(new IOException($"cannot start journal segment {next}: {IoProblem.Describe(e)}", e));
        }
    }

    /// <summary>
    /// Folds the journal into a new snapshot in the background now (after a start that replayed
    /// segments, so that repeated crashes do not pile segments up).
    /// </summary>
    public void CompactInBackgroundNow()
    {
        lock (_rotationLock)
        {
            if (_stopRequested || _compaction is { IsAlive: true })
            {
                return;
            }

            _compaction = new Thread(CompactInBackground) { IsBackground = true, Name = "otpfast-compaction" };
            _compaction.Start();
        }
    }

    private void StartCompactionIfDue()
    {
        if (BytesSinceSnapshot >= _options.CompactBytes && Stopwatch.GetTimestamp() >= Volatile.Read(ref _noCompactionBefore))
        {
            CompactInBackgroundNow();
        }
    }

    private void CompactInBackground()
    {
        try
        {
            Compact();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Each attempt starts a segment: a disk that keeps refusing must not make one per round.
            Volatile.Write(ref _noCompactionBefore, Stopwatch.GetTimestamp() + CompactionRetryTicks);
            _events.CompactionFailed(IoProblem.Describe(e));
        }
    }

    // The FileStream creates the file with mode 0600 and holds it; all I/O goes through its handle at explicit offsets.
    private FileStream CreateSegment(long number)
    {
        string path = JournalSegment.PathOf(_dataDir, number);
        // Readable meanwhile (backups, inspection); one server per data directory is the data-directory lock's job.
        var file = new FileStream(path, PrivateFile.Options(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read));
        SafeFileHandle handle = file.SafeFileHandle;
        try
        {
            Span<byte> header = stackalloc byte[JournalSegment.HeaderSize];
            JournalSegment.WriteHeader(header, _store.ShardCount, _store.CreatorHashKey, number);
            RandomAccess.Write(handle, header, 0);
            DiskSync.FlushData(handle);
            DiskSync.FlushDirectory(_dataDir);
            return file;
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }
}
