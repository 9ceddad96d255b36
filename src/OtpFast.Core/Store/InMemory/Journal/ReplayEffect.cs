namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>What one replayed journal record did to the store.</summary>
internal enum ReplayEffect
{
    Applied,

    /// <summary>The record's pair has expired since (or its tombstone has): it is not kept.</summary>
    Expired,

    /// <summary>The pair is no longer held (replaced or reclaimed later): nothing to change.</summary>
    Ignored,

    /// <summary>The store is at MaxLivePairs.</summary>
    Refused,
}
