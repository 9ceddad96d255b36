using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Store;

/// <summary>A store on a fake clock, with string-friendly helpers.</summary>
internal sealed class StoreFixture
{
    /// <param name="maxFailedPerCreator">The creator's failed-verify budget; 0 turns it off.</param>
    /// <param name="tombstone">How long used, locked and expired pairs are kept; null = the default 15 minutes.</param>
    public StoreFixture(long maxLivePairs = 1000, int maxAttempts = 5, int shards = 4, DateTimeOffset? start = null, int maxFailedPerCreator = OtpStoreOptions.DefaultMaxFailedVerifiesPerCreator, TimeSpan? tombstone = null, TimeSpan? failedVerifyWindow = null)
    {
        Time = start is { } s ? new FakeTimeProvider(s) : new FakeTimeProvider();
        Options = new OtpStoreOptions
        {
            MaxLivePairs = maxLivePairs,
            MaxVerifyAttempts = maxAttempts,
            ShardCount = shards,
            MaxFailedVerifiesPerCreator = maxFailedPerCreator,
            TombstoneLifetime = tombstone ?? TimeSpan.FromMinutes(15),
            FailedVerifyWindow = failedVerifyWindow ?? TimeSpan.FromSeconds(OtpStoreOptions.DefaultFailedVerifyWindowSeconds),
        };
        Store = new ShardedOtpStore(Options, Time);
    }

    /// <summary>The same helpers over an existing store (one restored from a snapshot).</summary>
    public StoreFixture(ShardedOtpStore store, FakeTimeProvider time)
    {
        Store = store;
        Time = time;
        Options = new OtpStoreOptions();
    }

    /// <summary>The options the store was made with (defaults for a store handed in).</summary>
    public OtpStoreOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public ShardedOtpStore Store { get; }

    public (IssueStatus Status, OtpToken Token, string Otp) Issue(int account, string creator, int expirySeconds = 300, bool reCreate = false, int length = 6, CodeType type = CodeType.Num)
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        PendingIssue result = Store.Issue(account, Encoding.UTF8.GetBytes(creator), type, length, expirySeconds, reCreate, otp);
        return (result.Status, result.Token, Encoding.ASCII.GetString(otp[..result.OtpLength]));
    }

    public VerifyOutcome Verify(int account, OtpToken token, string otp)
    {
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        return Store.Verify(account, token, Encoding.ASCII.GetBytes(otp), matched).Outcome;
    }

    /// <summary>Moves the clock and lets the wheel catch up completely.</summary>
    public void AdvanceAndReclaim(TimeSpan by)
    {
        Time.Advance(by);
        Reclaim();
    }

    public void Reclaim()
    {
        while (!Store.AdvanceExpiry(int.MaxValue))
        {
        }
    }

    /// <summary>The live counter, the entries in the shards and the wheel all agree.</summary>
    public void AssertConsistent(long expectedLive)
    {
        Assert.Equal(expectedLive, Store.LiveCount);
        Assert.Equal(expectedLive, Store.CountEntries());
    }

    public static string WrongCode(string otp) => otp[0] == '0' ? "1" + otp[1..] : "0" + otp[1..];
}
