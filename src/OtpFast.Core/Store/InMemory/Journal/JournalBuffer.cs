namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// One shard's records not yet handed to the journal writer. Only touched under the shard's
/// lock, by the request that changes the shard and by the writer draining it, so appending
/// costs a copy into an array and nothing else: no I/O, no allocation once warmed up.
/// </summary>
internal sealed class JournalBuffer
{
    /// <summary>Most bytes a shard may hold while the disk does not take them; beyond it, changes are refused.</summary>
    public const int MaxBytes = 1 << 20;

    private const int InitialBytes = 4096;

    private readonly StoreJournal _journal;
    private byte[] _bytes = new byte[InitialBytes];
    private int _length;

    public JournalBuffer(StoreJournal journal)
    {
        _journal = journal;
        Round = 1;
    }

    /// <summary>The writer round that will carry the records appended now.</summary>
    public long Round { get; private set; }

    /// <summary>The round of the newest record appended (0 = none yet): what an answer that read this shard depends on.</summary>
    public long LastRound { get; private set; }

    public DurabilityMode Mode => _journal.Mode;

    /// <summary>False while the disk refuses writes or the backlog is full: the change must be refused, not made.</summary>
    public bool CanAppend => !_journal.IsFailing && _length + JournalRecord.MaxSize <= MaxBytes;

    public long AppendIssued(in PairEntry entry, long deadlineWall, long createdWall, long failuresSinceWall)
    {
        Appended(JournalRecord.WriteIssued(Reserve(JournalRecord.IssuedSize), entry, deadlineWall, createdWall, failuresSinceWall));
        return LastRound = Round;
    }

    public long AppendState(in PairEntry entry, long deadlineWall, long failuresSinceWall)
    {
        Appended(JournalRecord.WriteState(Reserve(JournalRecord.StateSize), entry, deadlineWall, failuresSinceWall));
        return LastRound = Round;
    }

    // A burst of changes nobody waits for must not fill the buffer before the next timed round.
    private void Appended(int size)
    {
        int before = _length;
        _length += size;
        if (before < MaxBytes / 2 && _length >= MaxBytes / 2)
        {
            _journal.Wake();
        }
    }

    /// <summary>Moves every record into <paramref name="staging"/> and makes later ones belong to <paramref name="nextRound"/>. Under the shard lock.</summary>
    public void DrainInto(JournalStaging staging, long nextRound)
    {
        if (_length > 0)
        {
            staging.Append(_bytes.AsSpan(0, _length));
            _length = 0;
        }

        Round = nextRound;
    }

    private Span<byte> Reserve(int size)
    {
        if (_length + size > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Min(MaxBytes, Math.Max(_bytes.Length * 2, _length + size)));
        }

        return _bytes.AsSpan(_length, size);
    }
}
