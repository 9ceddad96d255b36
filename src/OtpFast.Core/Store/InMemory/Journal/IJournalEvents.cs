namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>What the journal reports to its host (Core has no logger; the server logs these).</summary>
public interface IJournalEvents
{
    /// <summary>The disk refused a write or sync; changes are refused until it recovers.</summary>
    void WriteFailed(string segmentPath, string problem);

    /// <summary>A write went through again after <see cref="WriteFailed"/>.</summary>
    void WriteRecovered(string segmentPath);

    void Compacted(long pairs, int segmentsDeleted, TimeSpan took);

    void CompactionFailed(string problem);
}
