using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

/// <summary>
/// A store with its journal in a temp data directory, on a fake clock. A crash is modelled by
/// copying the data directory as it is on disk after a sync (what a kill -9 would leave) and
/// recovering a new store from the copy.
/// </summary>
internal sealed class JournaledStore : IDisposable, IJournalEvents
{
    private readonly List<string> _dirs = [];
    private readonly List<string> _events = [];

    public JournaledStore(DurabilityMode mode = DurabilityMode.Relaxed, int shards = 4, int maxAttempts = 5, FakeTimeProvider? time = null, string? dir = null, TimeSpan? commitTimeout = null, int maxFailedPerCreator = OtpStoreOptions.DefaultMaxFailedVerifiesPerCreator, TimeSpan? tombstone = null, TimeSpan? failedVerifyWindow = null)
    {
        FailedVerifyWindow = failedVerifyWindow ?? TimeSpan.FromSeconds(OtpStoreOptions.DefaultFailedVerifyWindowSeconds);
        Mode = mode;
        MaxFailedPerCreator = maxFailedPerCreator;
        Tombstone = tombstone ?? TimeSpan.FromMinutes(15);
        Shards = shards;
        MaxAttempts = maxAttempts;
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        Dir = dir ?? NewDir();
        Recovered = StoreRecovery.Open(Dir, Options, Time);
        Journal = new StoreJournal(Recovered.Store, Dir, Recovered.NextSegment, Recovered.BytesSinceSnapshot, new JournalOptions { Mode = mode, CompactBytes = long.MaxValue, CommitTimeout = commitTimeout ?? TimeSpan.FromSeconds(10) }, this);
        Fixture = new StoreFixture(Recovered.Store, Time);
    }

    public DurabilityMode Mode { get; }

    public int Shards { get; }

    public int MaxAttempts { get; }

    public int MaxFailedPerCreator { get; }

    public TimeSpan Tombstone { get; }

    public TimeSpan FailedVerifyWindow { get; }

    public FakeTimeProvider Time { get; }

    public string Dir { get; }

    public RecoveredStore Recovered { get; }

    public StoreJournal Journal { get; }

    public StoreFixture Fixture { get; }


    public OtpStoreOptions Options => new() { ShardCount = Shards, MaxVerifyAttempts = MaxAttempts, MaxLivePairs = 1_000_000, MaxFailedVerifiesPerCreator = MaxFailedPerCreator, TombstoneLifetime = Tombstone, FailedVerifyWindow = FailedVerifyWindow };

    public void Sync() => Assert.True(TrySync(), "the journal could not sync");

    public bool TrySync()
    {
        Task<bool> synced = Journal.SyncAsync().AsTask();
        Assert.True(synced.Wait(TimeSpan.FromSeconds(30)), "the journal did not answer within 30 s");
        return synced.Result;
    }

    /// <summary>The data directory as a crash right now would leave it (after a sync).</summary>
    public string CrashImage()
    {
        Sync();
        string image = NewDir();
        foreach (string file in Directory.GetFiles(Dir))
        {
            File.Copy(file, Path.Combine(image, Path.GetFileName(file)));
        }

        return image;
    }

    /// <summary>A store recovered from <paramref name="dir"/> with no journal of its own.</summary>
    public RecoveredStore RecoverFrom(string dir) => StoreRecovery.Open(dir, Options, Time);

    public StoreFixture Recover(string dir) => new(RecoverFrom(dir).Store, Time);

    /// <summary>What the journal reported so far (it reports from its own threads).</summary>
    public List<string> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public string NewDir()
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-journal-").FullName;
        _dirs.Add(dir);
        return dir;
    }

    public void Dispose()
    {
        Journal.Dispose();
        foreach (string dir in _dirs)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    void IJournalEvents.WriteFailed(string segmentPath, string problem)
    {
        lock (_events)
        {
            _events.Add($"failed: {problem}");
        }
    }

    void IJournalEvents.WriteRecovered(string segmentPath)
    {
        lock (_events)
        {
            _events.Add("recovered");
        }
    }

    void IJournalEvents.Compacted(long pairs, int segmentsDeleted, TimeSpan took)
    {
        lock (_events)
        {
            _events.Add($"compacted {pairs} {segmentsDeleted}");
        }
    }

    void IJournalEvents.CompactionFailed(string problem)
    {
        lock (_events)
        {
            _events.Add($"compaction failed: {problem}");
        }
    }
}
