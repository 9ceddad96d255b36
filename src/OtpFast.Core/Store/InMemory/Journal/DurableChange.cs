namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>The kinds of change that <see cref="DurabilityMode.Safe"/> tells apart.</summary>
internal enum DurableChange
{
    /// <summary>A new pair or a wrong attempt: losing it to a crash costs a user a resend, never a reused code.</summary>
    Other,

    /// <summary>A verify that consumed a pair, or the wrong attempt that locked it or spent its creator's failed-verify budget: losing it would let the code verify again, or give more guesses.</summary>
    ConsumedOrLocked,

    /// <summary>A live pair replaced by reCreate: losing it would bring the old token back.</summary>
    Replaced,
}
