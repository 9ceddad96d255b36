using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Store.Contract;

/// <summary>
/// The rules every <see cref="IOtpStore"/> keeps, run unchanged against each store: the in-memory
/// one, Redis standalone, a Redis Cluster and Garnet. A subclass only says how to make its store.
/// </summary>
/// <remarks>
/// Time is a <see cref="FakeTimeProvider"/> every store reads (the Redis store sends the node's
/// clock to its scripts), so expiry, tombstones, cooldown and budget windows are tested without waiting.
/// </remarks>
public abstract class OtpStoreContract : IAsyncLifetime
{
    private const int Account = 7;
    private readonly List<IOtpStore> _stores = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Makes a store with these limits on <see cref="Time"/>.</summary>
    protected abstract Task<IOtpStore> CreateStoreAsync(OtpStoreOptions limits);

    /// <summary>Removes what the store holds (its keys in Redis) and lets it go.</summary>
    protected abstract Task DestroyStoreAsync(IOtpStore store);

    /// <summary>What the server does in the background after the clock moved (the in-memory store's expiry heartbeat).</summary>
    protected virtual void CatchUp(IOtpStore store)
    {
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (IOtpStore store in _stores)
        {
            await DestroyStoreAsync(store);
        }
    }

    [ContractFact]
    public async Task APairVerifiesOnceWithItsCodeThenAnswersUsed()
    {
        IOtpStore store = await StoreAsync();
        IssueResult issued = await IssueAsync(store, "alice");
        Assert.Equal(IssueStatus.Created, issued.Status);
        Assert.Equal(6, issued.Code.Length);
        Assert.Matches("^[0-9]{6}$", issued.Code.ToString());

        VerifyResult first = await VerifyAsync(store, issued.Token, issued.Code.ToString());
        Assert.Equal(VerifyOutcome.Verified, first.Outcome);
        Assert.Equal(issued.Code, first.Code);
        Assert.Equal(VerifyOutcome.Used, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task ACodeHasTheTypeAndLengthAskedForAndLettersMatchInEitherCase()
    {
        IOtpStore store = await StoreAsync();
        foreach ((CodeType type, int length, string pattern) in new[] { (CodeType.Num, 4, "^[0-9]{4}$"), (CodeType.Alpha, 8, "^[A-Z]{8}$"), (CodeType.Alphanum, 12, "^[0-9A-Z]{12}$") })
        {
            IssueResult issued = await IssueAsync(store, $"user-{type}", type: type, length: length);
            Assert.Matches(pattern, issued.Code.ToString());
            VerifyResult verified = await VerifyAsync(store, issued.Token, issued.Code.ToString().ToLowerInvariant());
            Assert.Equal(VerifyOutcome.Verified, verified.Outcome);
            Assert.Equal(issued.Code, verified.Code);
        }
    }

    [ContractFact]
    public async Task ReCreateFalseReturnsTheLivePairUnchangedAndTrueReplacesIt()
    {
        IOtpStore store = await StoreAsync();
        IssueResult first = await IssueAsync(store, "alice");
        IssueResult again = await IssueAsync(store, "alice", reCreate: false);
        Assert.Equal(IssueStatus.Existing, again.Status);
        Assert.Equal(first.Token, again.Token);
        Assert.Equal(first.Code, again.Code);

        IssueResult replaced = await IssueAsync(store, "alice", reCreate: true);
        Assert.Equal(IssueStatus.Created, replaced.Status);
        Assert.NotEqual(first.Token, replaced.Token);
        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, first.Token, first.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, replaced.Token, replaced.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task AccountsAndCreatorsHaveTheirOwnPairsAndAnotherAccountsTokenIsUnknown()
    {
        IOtpStore store = await StoreAsync();
        IssueResult alice = await IssueAsync(store, "alice");
        IssueResult bob = await IssueAsync(store, "bob");
        IssueResult otherAccount = await IssueAsync(store, "alice", account: Account + 1);
        Assert.Equal(IssueStatus.Created, bob.Status);
        Assert.Equal(IssueStatus.Created, otherAccount.Status);
        Assert.Equal(3, new[] { alice.Token, bob.Token, otherAccount.Token }.Distinct().Count());

        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, alice.Token, alice.Code.ToString(), account: Account + 1)).Outcome);
        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, OtpToken.NewRandom(), "123456")).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, alice.Token, alice.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, otherAccount.Token, otherAccount.Code.ToString(), account: Account + 1)).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, bob.Token, bob.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task TheCreatorDigestIsTheSameForTheSameInputsAndDiffersByAccountAndCreator()
    {
        IOtpStore store = await StoreAsync();
        UInt128 digest = store.DigestCreator(Account, "alice"u8);
        Assert.Equal(digest, store.DigestCreator(Account, "alice"u8));
        Assert.NotEqual(digest, store.DigestCreator(Account + 1, "alice"u8));
        Assert.NotEqual(digest, store.DigestCreator(Account, "alicf"u8));
    }

    [ContractFact]
    public async Task WrongCodesAreCountedAndTheLastAllowedOneLocksThePairEvenForItsRightCode()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 3 });
        IssueResult issued = await IssueAsync(store, "alice");
        string wrong = WrongCode(issued.Code);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, issued.Token, wrong)).Outcome);
        }

        Assert.Equal(VerifyOutcome.Locked, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Locked, (await VerifyAsync(store, issued.Token, wrong)).Outcome);
    }

    [ContractFact]
    public async Task AWrongCodeBeforeTheRightOneDoesNotStopIt()
    {
        IOtpStore store = await StoreAsync();
        IssueResult issued = await IssueAsync(store, "alice", type: CodeType.Alpha);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, issued.Token, WrongCode(issued.Code))).Outcome);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, issued.Token, issued.Code.ToString()[..5])).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, issued.Token, issued.Code.ToString().ToLowerInvariant())).Outcome);
    }

    [ContractFact]
    public async Task APairExpiresAtItsDeadlineAndAnswersExpiredForTheTombstoneLifetimeThenUnknown()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxFailedVerifiesPerCreator = 0 });
        IssueResult issued = await IssueAsync(store, "alice", expirySeconds: 60);
        await AdvanceAsync(store, TimeSpan.FromSeconds(59.9));
        IssueResult still = await IssueAsync(store, "alice");
        Assert.Equal(IssueStatus.Existing, still.Status);

        await AdvanceAsync(store, TimeSpan.FromSeconds(0.2));
        Assert.Equal(VerifyOutcome.Expired, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
        await AdvanceAsync(store, TimeSpan.FromMinutes(14.9));
        Assert.Equal(VerifyOutcome.Expired, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
        await AdvanceAsync(store, TimeSpan.FromMinutes(0.2));
        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task ReCreateFalseAfterTheDeadlineMakesANewPair()
    {
        IOtpStore store = await StoreAsync();
        IssueResult issued = await IssueAsync(store, "alice", expirySeconds: 1);
        await AdvanceAsync(store, TimeSpan.FromSeconds(2));
        IssueResult next = await IssueAsync(store, "alice", reCreate: false);
        Assert.Equal(IssueStatus.Created, next.Status);
        Assert.NotEqual(issued.Token, next.Token);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, next.Token, next.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task APairWithoutExpiryStillVerifiesAMonthLater()
    {
        IOtpStore store = await StoreAsync();
        IssueResult issued = await IssueAsync(store, "alice", expirySeconds: 0);
        await AdvanceAsync(store, TimeSpan.FromDays(31));
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task UsedAndLockedTombstonesLastTheirLifetimeFromTheirEndEvenPastTheDeadlineThenAreUnknown()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 1, MaxFailedVerifiesPerCreator = 0 });
        IssueResult used = await IssueAsync(store, "alice", expirySeconds: 60);
        IssueResult locked = await IssueAsync(store, "bob", expirySeconds: 60);
        await AdvanceAsync(store, TimeSpan.FromSeconds(50));
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, used.Token, used.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, locked.Token, WrongCode(locked.Code))).Outcome);

        await AdvanceAsync(store, TimeSpan.FromMinutes(14.9));
        Assert.Equal(VerifyOutcome.Used, (await VerifyAsync(store, used.Token, used.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Locked, (await VerifyAsync(store, locked.Token, locked.Code.ToString())).Outcome);

        await AdvanceAsync(store, TimeSpan.FromSeconds(7));
        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, used.Token, used.Code.ToString())).Outcome);
        Assert.Equal(VerifyOutcome.Unknown, (await VerifyAsync(store, locked.Token, locked.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task TheResendCooldownRefusesANewPairButStillReturnsTheLiveOne()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { ResendCooldown = TimeSpan.FromSeconds(30) });
        IssueResult first = await IssueAsync(store, "alice");
        Assert.Equal(IssueStatus.CoolingDown, (await IssueAsync(store, "alice", reCreate: true)).Status);
        Assert.Equal(first.Token, (await IssueAsync(store, "alice", reCreate: false)).Token);

        // A used pair still holds the cooldown: verifying does not open a resend flood.
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, first.Token, first.Code.ToString())).Outcome);
        Assert.Equal(IssueStatus.CoolingDown, (await IssueAsync(store, "alice", reCreate: false)).Status);

        await AdvanceAsync(store, TimeSpan.FromSeconds(30));
        Assert.Equal(IssueStatus.Created, (await IssueAsync(store, "alice", reCreate: true)).Status);
        Assert.Equal(IssueStatus.Created, (await IssueAsync(store, "bob", reCreate: true)).Status);
    }

    [ContractFact]
    public async Task TheFailedVerifyBudgetSpansPairsLocksTheCreatorOutForItsWindowAndThenLetsItBack()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 5, MaxFailedVerifiesPerCreator = 8, FailedVerifyWindow = TimeSpan.FromMinutes(10) });
        IssueResult issued = await IssueAsync(store, "alice");
        int failures = 0;
        while (failures < 8)
        {
            IssueResult pair = await IssueAsync(store, "alice", reCreate: true);
            Assert.Equal(IssueStatus.Created, pair.Status);
            issued = pair;
            for (int i = 0; i < 5 && failures < 8; i++, failures++)
            {
                Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, pair.Token, WrongCode(pair.Code))).Outcome);
            }
        }

        // Spent: nothing is compared, not even the right code; no new pair (no fresh guesses).
        Assert.Equal(VerifyOutcome.Locked, (await VerifyAsync(store, issued.Token, issued.Code.ToString())).Outcome);
        Assert.Equal(IssueStatus.FailedVerifiesSpent, (await IssueAsync(store, "alice", reCreate: true)).Status);
        Assert.Equal(IssueStatus.Created, (await IssueAsync(store, "bob")).Status);
        Assert.Equal(IssueStatus.Created, (await IssueAsync(store, "alice", account: Account + 1)).Status);

        // The count outlives the pair's own 15-minute tombstone when the window is longer.
        await AdvanceAsync(store, TimeSpan.FromMinutes(9.9));
        Assert.Equal(IssueStatus.FailedVerifiesSpent, (await IssueAsync(store, "alice", reCreate: true)).Status);
        await AdvanceAsync(store, TimeSpan.FromMinutes(0.2));
        IssueResult back = await IssueAsync(store, "alice", reCreate: true);
        Assert.Equal(IssueStatus.Created, back.Status);
        Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, back.Token, back.Code.ToString())).Outcome);
    }

    [ContractFact]
    public async Task TheBudgetCountOutlivesTheTombstoneWhenItsWindowIsLonger()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 2, MaxFailedVerifiesPerCreator = 3, FailedVerifyWindow = TimeSpan.FromHours(1) });
        IssueResult first = await IssueAsync(store, "alice", expirySeconds: 60);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, first.Token, WrongCode(first.Code))).Outcome);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, first.Token, WrongCode(first.Code))).Outcome);

        // The locked pair's tombstone (15 min) is gone long before the budget window (1 h) ends.
        await AdvanceAsync(store, TimeSpan.FromMinutes(40));
        IssueResult second = await IssueAsync(store, "alice", reCreate: true);
        Assert.Equal(IssueStatus.Created, second.Status);
        Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, second.Token, WrongCode(second.Code))).Outcome);
        Assert.Equal(VerifyOutcome.Locked, (await VerifyAsync(store, second.Token, second.Code.ToString())).Outcome);
        Assert.Equal(IssueStatus.FailedVerifiesSpent, (await IssueAsync(store, "alice", reCreate: true)).Status);
    }

    [ContractFact]
    public async Task ARightCodeClearsTheBudgetCount()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 5, MaxFailedVerifiesPerCreator = 3 });
        for (int round = 0; round < 3; round++)
        {
            IssueResult pair = await IssueAsync(store, "alice", reCreate: true);
            Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, pair.Token, WrongCode(pair.Code))).Outcome);
            Assert.Equal(VerifyOutcome.Mismatch, (await VerifyAsync(store, pair.Token, WrongCode(pair.Code))).Outcome);
            Assert.Equal(VerifyOutcome.Verified, (await VerifyAsync(store, pair.Token, pair.Code.ToString())).Outcome);
        }
    }

    [ContractFact]
    public async Task ConcurrentRequestsWithoutReCreateAllGetTheOnePair()
    {
        IOtpStore store = await StoreAsync();
        IssueResult[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await IssueAsync(store, "alice", reCreate: false))));
        Assert.Single(results, r => r.Status == IssueStatus.Created);
        Assert.All(results, r => Assert.Equal(results[0].Token, r.Token));
        Assert.All(results, r => Assert.Equal(results[0].Code, r.Code));
    }

    [ContractFact]
    public async Task OfConcurrentReCreatesOnlyTheLastPairVerifies()
    {
        IOtpStore store = await StoreAsync();
        IssueResult[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await IssueAsync(store, "alice", reCreate: true))));
        Assert.All(results, r => Assert.Equal(IssueStatus.Created, r.Status));
        Assert.Equal(16, results.Select(r => r.Token).Distinct().Count());

        IssueResult live = await IssueAsync(store, "alice", reCreate: false);
        Assert.Equal(IssueStatus.Existing, live.Status);
        Assert.Contains(results, r => r.Token == live.Token);
        VerifyOutcome[] outcomes = await Task.WhenAll(results.Select(async r => (await VerifyAsync(store, r.Token, r.Code.ToString())).Outcome));
        Assert.Single(outcomes, o => o == VerifyOutcome.Verified);
        Assert.Equal(15, outcomes.Count(o => o == VerifyOutcome.Unknown));
    }

    [ContractFact]
    public async Task OfConcurrentVerifiesOfOnePairWithItsCodeExactlyOneIsTrue()
    {
        IOtpStore store = await StoreAsync();
        for (int round = 0; round < 4; round++)
        {
            IssueResult issued = await IssueAsync(store, $"user{round}");
            VerifyResult[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await VerifyAsync(store, issued.Token, issued.Code.ToString()))));
            Assert.Single(results, r => r.Outcome == VerifyOutcome.Verified);
            Assert.Equal(15, results.Count(r => r.Outcome == VerifyOutcome.Used));
        }
    }

    [ContractFact]
    public async Task ConcurrentWrongCodesLockThePairAfterExactlyMaxAttempts()
    {
        IOtpStore store = await StoreAsync(new OtpStoreOptions { MaxVerifyAttempts = 5, MaxFailedVerifiesPerCreator = 0 });
        IssueResult issued = await IssueAsync(store, "alice");
        string wrong = WrongCode(issued.Code);
        VerifyResult[] results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await VerifyAsync(store, issued.Token, wrong))));
        Assert.Equal(5, results.Count(r => r.Outcome == VerifyOutcome.Mismatch));
        Assert.Equal(11, results.Count(r => r.Outcome == VerifyOutcome.Locked));
    }

    private async Task<IOtpStore> StoreAsync(OtpStoreOptions? limits = null)
    {
        IOtpStore store = await CreateStoreAsync(limits ?? new OtpStoreOptions());
        _stores.Add(store);
        return store;
    }

    private async Task AdvanceAsync(IOtpStore store, TimeSpan by)
    {
        Time.Advance(by);
        CatchUp(store);
        await Task.Yield();
    }

    private static ValueTask<IssueResult> IssueAsync(IOtpStore store, string creator, bool reCreate = false, int expirySeconds = 300, CodeType type = CodeType.Num, int length = 6, int account = Account) =>
        store.IssueAsync(new IssueRequest(account, store.DigestCreator(account, Encoding.UTF8.GetBytes(creator)), type, length, expirySeconds, reCreate));

    private static ValueTask<VerifyResult> VerifyAsync(IOtpStore store, OtpToken token, string code, int account = Account) =>
        store.VerifyAsync(new VerifyRequest(account, token, new OtpCode(Encoding.ASCII.GetBytes(code))));

    // The same length and alphabet position changed, so only the comparison tells it apart.
    private static string WrongCode(OtpCode code)
    {
        char[] chars = code.ToString().ToCharArray();
        chars[^1] = chars[^1] switch { '9' => '0', 'Z' => 'A', _ => (char)(chars[^1] + 1) };
        return new string(chars);
    }
}
