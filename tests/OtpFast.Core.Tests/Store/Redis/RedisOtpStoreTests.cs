using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Tokens;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>What only the Redis backend has: its key layout, packing, failures and WAIT (the shared rules are the contract suite's).</summary>
public sealed class RedisOtpStoreTests : IAsyncLifetime
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..13] + ":";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<RedisOtpStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (RedisOtpStore store in _stores)
        {
            await DeleteKeysAsync(store);
            await store.DisposeAsync();
        }
    }

    [Fact]
    public void PackedPairRoundTrips()
    {
        var value = new PairValue(0xDEADBEEF, -7, PairValue.Locked, 999, 1_777_000_000_123, 17_770_000_001, 65535, 17_770_000_000, "A1B2C3D4E5F6");
        byte[] packed = value.Pack();
        Assert.Equal(PairValue.HeaderLength + 12, packed.Length);
        Assert.True(packed.Length <= 44, "a pair must fit Redis's embedded string (44 bytes)");
        Assert.Equal(value, PairValue.Unpack(packed));
    }

    [Fact]
    public void TokenCarriesItsCreatorAndNonceOpaquely()
    {
        using var cipher = new TokenCipher(new byte[16]);
        UInt128 creator = new(0x0102030405060708, 0x090A0B0C0D0E0F10);
        OtpToken first = cipher.Seal(creator, 1);
        OtpToken second = cipher.Seal(creator, 2);
        Span<byte> digest = stackalloc byte[TokenCipher.DigestBytes];
        Assert.Equal(2u, cipher.Open(second, digest));
        Span<byte> expected = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(expected, creator);
        Assert.True(digest.SequenceEqual(expected[..TokenCipher.DigestBytes]));

        // Two tokens of one creator share no visible part: at most a few of 128 bits by chance.
        int sameBits = 128 - (int)UInt128.PopCount(first.Value ^ second.Value);
        Assert.InRange(sameBits, 16, 112);
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task APairIsOneKeyNamedByItsCreatorDigestWithItsTtl()
    {
        RedisOtpStore store = await ConnectAsync();
        UInt128 creator = store.DigestCreator(1, "alice"u8);
        IssueResult issued = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 600, false));
        Assert.Equal(IssueStatus.Created, issued.Status);

        RedisKey[] keys = PairKeys(store);
        RedisKey key = Assert.Single(keys);
        Assert.Equal(store.PairKey(creator), key);
        Assert.Equal(store.PairKeyOf(issued.Token), key);
        PairValue value = PairValue.Unpack((byte[])(await store.Multiplexer.GetDatabase().StringGetAsync(key))!);
        Assert.Equal(1, value.AccountId);
        Assert.Equal(PairValue.Live, value.Flags);
        Assert.Equal(issued.Code.ToString(), value.Code);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds() + 600_000, value.Time);

        // Redis frees it at deadline + tombstone lifetime (15 min), measured on the node's clock.
        TimeSpan? ttl = await store.Multiplexer.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value.TotalSeconds, 600 + 900 - 5, 600 + 900);
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task EveryScriptTouchesOnlyItsOneDeclaredKey()
    {
        // A key slot of its own for each pair: a script could only reach another through an undeclared name.
        RedisOtpStore store = await ConnectAsync();
        UInt128 creator = store.DigestCreator(1, "bob"u8);
        IssueResult first = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 600, false));
        IssueResult second = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 600, true));
        Assert.Equal(IssueStatus.Created, second.Status);
        Assert.NotEqual(first.Token, second.Token);
        Assert.Single(PairKeys(store));
        Assert.Equal(VerifyOutcome.Unknown, (await store.VerifyAsync(new VerifyRequest(1, first.Token, first.Code))).Outcome);
        Assert.Equal(VerifyOutcome.Verified, (await store.VerifyAsync(new VerifyRequest(1, second.Token, second.Code))).Outcome);
        Assert.Single(PairKeys(store));
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task LettersMatchInEitherCaseAndTombstonesDropTheCode()
    {
        RedisOtpStore store = await ConnectAsync();
        UInt128 creator = store.DigestCreator(3, "carol"u8);
        IssueResult issued = await store.IssueAsync(new IssueRequest(3, creator, CodeType.Alpha, 8, 60, false));
        var lower = new OtpCode(System.Text.Encoding.ASCII.GetBytes(issued.Code.ToString().ToLowerInvariant()));
        Assert.Equal(VerifyOutcome.Unknown, (await store.VerifyAsync(new VerifyRequest(4, issued.Token, lower))).Outcome);
        VerifyResult verified = await store.VerifyAsync(new VerifyRequest(3, issued.Token, lower));
        Assert.Equal(VerifyOutcome.Verified, verified.Outcome);
        Assert.Equal(issued.Code, verified.Code);
        PairValue value = PairValue.Unpack((byte[])(await store.Multiplexer.GetDatabase().StringGetAsync(store.PairKey(creator)))!);
        Assert.Equal(PairValue.Used, value.Flags);
        Assert.Empty(value.Code);
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task TheNodeClockDecidesEvenWhenItRunsAheadOfRedis()
    {
        RedisOtpStore store = await ConnectAsync();
        UInt128 creator = store.DigestCreator(1, "dave"u8);
        IssueResult issued = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false));
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(VerifyOutcome.Expired, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);

        // Redis still holds the key (its TTL runs on its own clock), yet the tombstone's time is up.
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Single(PairKeys(store));
        Assert.Equal(VerifyOutcome.Unknown, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task WaitIsSkippedWithoutReplicas()
    {
        RedisOtpStore store = await ConnectAsync();
        UInt128 creator = store.DigestCreator(1, "erin"u8);
        Assert.False(await store.WaitsForReplicaAsync(store.PairKey(creator)));
        IssueResult issued = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false));
        Assert.Equal(VerifyOutcome.Verified, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);
    }

    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task NodesSharingAStoreShareTheCreatorKey()
    {
        RedisOtpStore a = await ConnectAsync();
        RedisOtpStore b = await ConnectAsync();
        UInt128 creator = a.DigestCreator(1, "frank"u8);
        Assert.Equal(creator, b.DigestCreator(1, "frank"u8));
        IssueResult issued = await a.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false));
        IssueResult again = await b.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false));
        Assert.Equal(IssueStatus.Existing, again.Status);
        Assert.Equal(issued.Token, again.Token);
        Assert.Equal(issued.Code, again.Code);
        Assert.Equal(VerifyOutcome.Verified, (await b.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);
    }

    [Fact]
    public async Task AnUnreachableServerAnswersUnavailableWithinTheTimeout()
    {
        int port = FreePort();
        Stopwatch connecting = Stopwatch.StartNew();
        await using RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = $"127.0.0.1:{port}", Timeout = TimeSpan.FromMilliseconds(300), KeyPrefix = _prefix, Engine = RedisEngine.Redis },
            new OtpStoreOptions(),
            _time);
        Assert.True(connecting.Elapsed < TimeSpan.FromSeconds(5), $"connect took {connecting.Elapsed}");
        Assert.Equal("store-unreachable", store.NotReadyReason);

        UInt128 creator = store.DigestCreator(1, "gina"u8);
        Stopwatch call = Stopwatch.StartNew();
        Assert.Equal(IssueStatus.Unavailable, (await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, false))).Status);
        Assert.Equal(VerifyOutcome.Unavailable, (await store.VerifyAsync(new VerifyRequest(1, OtpToken.NewRandom(), new OtpCode("123456"u8)))).Outcome);
        Assert.True(call.Elapsed < TimeSpan.FromSeconds(2), $"two calls took {call.Elapsed}");
    }

    // Needs redis-server installed, as it is wherever the stores run (the variable says so).
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task TheStoreRecoversWhenTheServerComesBack()
    {
        int port = FreePort();
        await using RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = $"127.0.0.1:{port}", Timeout = TimeSpan.FromMilliseconds(300), KeyPrefix = _prefix, Engine = RedisEngine.Redis },
            new OtpStoreOptions(),
            _time);
        Assert.Equal("store-unreachable", store.NotReadyReason);

        using Process server = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", $"{port}", "--save", "", "--appendonly", "no"]) { RedirectStandardOutput = true })!;
        try
        {
            IssueResult issued = default;
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(20))
            {
                // reCreate: a first try that ran on Redis but answered after the 300 ms timeout (a
                // loaded CI machine) left a pair: asking without reCreate would then hear Existing
                // for the rest of the 20 s (the same trap as Finding1 in RedisAttackTests).
                UInt128 creator = store.DigestCreator(1, "hank"u8);
                issued = await store.IssueAsync(new IssueRequest(1, creator, CodeType.Num, 6, 60, true));
                if (issued.Status == IssueStatus.Created)
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.True(issued.Status == IssueStatus.Created, $"20 s after Redis came up the store still answers {issued.Status}");
            Assert.Equal(VerifyOutcome.Verified, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code))).Outcome);

            // Ready again once no call has failed for 2 s.
            var ready = Stopwatch.StartNew();
            while (store.NotReadyReason is not null && ready.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }

            Assert.Null(store.NotReadyReason);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<RedisOtpStore> ConnectAsync(OtpStoreOptions? limits = null)
    {
        RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = StoreEndpoints.Of(StoreEngine.RedisStandalone)!, KeyPrefix = _prefix, Timeout = TimeSpan.FromSeconds(5) },
            limits ?? new OtpStoreOptions(),
            _time);
        _stores.Add(store);
        Assert.Null(store.NotReadyReason);
        return store;
    }

    private RedisKey[] PairKeys(RedisOtpStore store)
    {
        var keys = new List<RedisKey>();
        foreach (IServer server in store.Multiplexer.GetServers())
        {
            foreach (RedisKey key in server.Keys(pattern: _prefix + "p*"))
            {
                keys.Add(key);
            }
        }

        return [.. keys];
    }

    private async Task DeleteKeysAsync(RedisOtpStore store)
    {
        if (store.Multiplexer.IsConnected)
        {
            await RedisKeys.DeleteAsync(store.Multiplexer, _prefix);
        }
    }
}
