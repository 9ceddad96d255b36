namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>When an answer may leave the server relative to its journal record reaching the disk.</summary>
public enum DurabilityMode
{
    /// <summary>
    /// An answer that consumes, locks or replaces a pair waits for its record to be on disk;
    /// new pairs and wrong attempts are synced within the sync interval (at most a second).
    /// </summary>
    Safe,

    /// <summary>Every answer waits until every record it depends on is on disk.</summary>
    Strict,

    /// <summary>Nothing waits; everything is synced within the sync interval (Redis's <c>appendfsync everysec</c>).</summary>
    Relaxed,

    /// <summary>No journal: only a graceful stop persists pairs, so a crash can revive used codes.</summary>
    Off,
}
