using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Tokens;
using StackExchange.Redis;

namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>
/// Attack/review findings on Store=redis (branch attack-redis). Each failing test names its finding;
/// the passing ones are what was tried and held up.
/// </summary>
public sealed class RedisAttackTests : IAsyncLifetime
{
    private readonly string _prefix = $"a{Guid.NewGuid():N}"[..13] + ":";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<RedisOtpStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (RedisOtpStore store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (StoreEngine engine in new[] { StoreEngine.RedisStandalone, StoreEngine.Garnet, StoreEngine.RedisCluster })
        {
            if (StoreEndpoints.Of(engine) is null)
            {
                continue;
            }

            await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(StoreEndpoints.Of(engine)! + ",allowAdmin=true");
            await RedisKeys.DeleteAsync(admin, _prefix);
        }
    }

    // Finding 1: with Engine=Auto (what the server always uses), a Garnet that is down when the node
    // starts makes DetectEngineAsync fall back to Redis (scripts with the "#!lua" shebang). Garnet
    // rejects the shebang, so once Garnet is up every issue and verify answers 503 for the life of
    // the process; the README promises "a server started while Redis is down starts anyway, not
    // ready, and serves once Redis answers". (The existing recovery test pins Engine=Redis.)
    [StoreFact(StoreEngine.Garnet)]
    public async Task Finding1_ANodeStartedWhileGarnetIsDownServesOnceGarnetIsUp()
    {
        int port = FreePort();
        await using RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = $"127.0.0.1:{port}", Timeout = TimeSpan.FromMilliseconds(300), KeyPrefix = _prefix },
            new OtpStoreOptions(),
            _time);
        Assert.Equal("store-unreachable", store.NotReadyReason);

        // Garnet "comes up" on the configured address (a plain TCP forwarder to the test Garnet).
        using var forwarder = new TcpForwarder(port, StoreEndpoints.Of(StoreEngine.Garnet)!);
        IssueResult issued = default;
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            // reCreate: a first try that ran on Garnet but answered after the 300 ms timeout (a loaded
            // CI machine) left a pair: asking without reCreate would then hear Existing forever.
            issued = await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "ivy"u8), CodeType.Num, 6, 60, true));
            if (issued.Status == IssueStatus.Created)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(issued.Status == IssueStatus.Created, $"15 s after Garnet came up the node still answers {issued.Status}; engine picked: {store.Engine}");
        Assert.Equal(RedisEngine.Garnet, store.Engine);
    }

    // Finding 2: the shared creator-key is read once per process and never again. If it disappears
    // from Redis while nodes run (a Redis restarted without persistence, a failover that lost the
    // not-WAITed SET NX, a FLUSHDB, an operator's DEL), the running nodes keep the old secret and the
    // next node to start creates a new one: two groups of nodes now file the same account +
    // tokenCreator under different keys and cannot open each other's tokens. A code issued on a node
    // of one group answers "unknown" on the other; reCreate:false on the two groups gives two live
    // pairs; the per-creator failed-verify budget and the resend cooldown are doubled. Nothing logs it.
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding2_NodesNeverSplitOnTheCreatorKeyAfterRedisLosesIt()
    {
        // Fixed: the server passes the accounts file's deployment secret, so nothing of it lives in Redis.
        byte[] deployment = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        RedisOtpStore old = await ConnectAsync(StoreEngine.RedisStandalone, sharedSecret: deployment);

        // Redis restarts with no persistence: every key of the deployment is gone (here only ours).
        await RedisKeys.DeleteAsync(old.Multiplexer, _prefix);

        RedisOtpStore fresh = await ConnectAsync(StoreEngine.RedisStandalone, sharedSecret: deployment); // a node (re)started after that
        Assert.False(await fresh.Multiplexer.GetDatabase().KeyExistsAsync(_prefix + "creator-key"));

        IssueResult onOld = await old.IssueAsync(new IssueRequest(1, old.DigestCreator(1, "jane"u8), CodeType.Num, 6, 600, false));
        Assert.Equal(IssueStatus.Created, onOld.Status);
        IssueResult onFresh = await fresh.IssueAsync(new IssueRequest(1, fresh.DigestCreator(1, "jane"u8), CodeType.Num, 6, 600, false));

        // One deployment: reCreate:false on another node must return the same pair...
        Assert.True(onFresh.Status == IssueStatus.Existing, $"reCreate:false on the other node answered {onFresh.Status}: two live pairs for one tokenCreator");

        // ...and a code issued on one node must verify on the other.
        VerifyResult crossed = await fresh.VerifyAsync(new VerifyRequest(1, onOld.Token, onOld.Code));
        Assert.Equal(VerifyOutcome.Verified, crossed.Outcome);
    }

    // Finding 2 (variant): the same split with no restart at all, from a deleted/overwritten key
    // while every node runs: the running node never notices the key changed.
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding2b_ARunningNodeNoticesTheCreatorKeyWasReplaced()
    {
        byte[] deployment = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        RedisOtpStore a = await ConnectAsync(StoreEngine.RedisStandalone, sharedSecret: deployment);
        await a.Multiplexer.GetDatabase().KeyDeleteAsync(_prefix + "creator-key");
        RedisOtpStore b = await ConnectAsync(StoreEngine.RedisStandalone, sharedSecret: deployment);

        IssueResult issued = await b.IssueAsync(new IssueRequest(1, b.DigestCreator(1, "kim"u8), CodeType.Num, 6, 600, false));
        Assert.Equal(IssueStatus.Created, issued.Status);
        VerifyResult onA = await a.VerifyAsync(new VerifyRequest(1, issued.Token, issued.Code));

        // Either A follows the key every node now uses, or it stops answering (503) — never a silent "unknown".
        Assert.True(onA.Outcome is VerifyOutcome.Verified or VerifyOutcome.Unavailable, $"node A answered {onA.Outcome} for a right code issued on node B");
    }

    // Finding 3: a creator-key of the wrong length (a typo'd SET, another program's key under the same
    // prefix) logs the Error "RedisBadSecret" once per request: every request retries the load
    // (one at a time) and logs again. At the API's rates this floods the log (thousands of lines/s).
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding3_AWrongLengthCreatorKeyIsNotLoggedOncePerRequest()
    {
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(StoreEndpoints.Of(StoreEngine.RedisStandalone)!);
        await admin.GetDatabase().StringSetAsync(_prefix + "creator-key", "short");
        var log = new CapturingLogger();
        RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = StoreEndpoints.Of(StoreEngine.RedisStandalone)!, KeyPrefix = _prefix, Timeout = TimeSpan.FromSeconds(5) },
            new OtpStoreOptions(),
            _time,
            log);
        _stores.Add(store);

        for (int i = 0; i < 200; i++)
        {
            VerifyResult r = await store.VerifyAsync(new VerifyRequest(1, new OtpToken(12345), new OtpCode("123456"u8)));
            Assert.Equal(VerifyOutcome.Unavailable, r.Outcome);
        }

        int errors = log.Lines.Count(l => l.Contains("does not hold 32 bytes", StringComparison.Ordinal));
        Assert.True(errors <= 5, $"{errors} error lines for 200 requests");
    }

    // Finding 4: a wrong password answers 503 and the password never reaches a log line (held up).
    // Still open: the log says "unreachable" / "no connection: UnableToResolvePhysicalConnection"
    // rather than that the password was refused (StackExchange.Redis does not surface WRONGPASS to
    // the calls; see the closing note). A server error's text is now logged up to 80 characters
    // (Garnet without --lua: "refused by Redis: ERR unknown command"), no longer cut to "ERR".
    // Starts its own redis-server: installed wherever the stores run (the variable says so).
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding4_AWrongPasswordAnswersUnavailableAndIsNeverLogged()
    {
        int port = FreePort();
        using Process server = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", $"{port}", "--save", "", "--appendonly", "no", "--requirepass", "right"]) { RedirectStandardOutput = true })!;
        try
        {
            await WaitForPortAsync(port);
            var log = new CapturingLogger();
            RedisOtpStore store = await RedisOtpStore.ConnectAsync(
                new RedisStoreOptions { Configuration = $"127.0.0.1:{port},password=wrong", KeyPrefix = _prefix, Timeout = TimeSpan.FromMilliseconds(500) },
                new OtpStoreOptions(),
                _time,
                log);
            _stores.Add(store);
            Assert.Equal(IssueStatus.Unavailable, (await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "lee"u8), CodeType.Num, 6, 60, false))).Status);

            string all = string.Join("\n", log.Lines);
            Assert.DoesNotContain("wrong", all.Replace("password=*****", "", StringComparison.Ordinal), StringComparison.Ordinal); // the password itself is masked (held up)
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    // Finding 5: a full Redis (maxmemory + noeviction, as the README asks) refuses every script,
    // the verify's too: an end user who already holds a valid code cannot log in (503) until
    // tombstones (15 min) expire, though a consume only shrinks the value. One account flooding
    // requestOneTimeCode (or any burst) thus blocks every account's logins. (Redis 7 runs a script
    // under OOM only with "#!lua flags=allow-oom"; the embedded store's MaxLivePairs refuses only
    // new pairs.)
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task Finding5_AHeldCodeStillVerifiesWhenRedisIsFull()
    {
        int port = FreePort();
        using Process server = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", $"{port}", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"]) { RedirectStandardOutput = true })!;
        try
        {
            await WaitForPortAsync(port);
            RedisOtpStore store = await RedisOtpStore.ConnectAsync(
                new RedisStoreOptions { Configuration = $"127.0.0.1:{port}", KeyPrefix = _prefix, Timeout = TimeSpan.FromSeconds(5) },
                new OtpStoreOptions(),
                _time);
            _stores.Add(store);
            IssueResult held = await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "held"u8), CodeType.Num, 6, 600, false));
            Assert.Equal(IssueStatus.Created, held.Status);

            // Redis is now full: set maxmemory well under what it uses. Not 1 KiB under: used_memory
            // counts client buffers (the INFO answer itself among them), so it can drop by more than
            // that before the next script, which then ran and answered Created (seen in a loaded run).
            IServer admin = store.Multiplexer.GetServers()[0];
            long used = long.Parse((await admin.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
            await admin.ConfigSetAsync("maxmemory", (used / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(IssueStatus.Unavailable, (await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "new"u8), CodeType.Num, 6, 600, false))).Status);

            VerifyResult verified = await store.VerifyAsync(new VerifyRequest(1, held.Token, held.Code));
            Assert.Equal(VerifyOutcome.Verified, verified.Outcome);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    // Held up: a token of account 1 sent by account 2 (same creator string) never verifies nor counts.
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task HeldUp_AnotherAccountsTokenIsUnknownAndCostsNothing()
    {
        RedisOtpStore store = await ConnectAsync(StoreEngine.RedisStandalone, new OtpStoreOptions { MaxVerifyAttempts = 1 });
        IssueResult a = await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "x"u8), CodeType.Num, 4, 60, false));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(VerifyOutcome.Unknown, (await store.VerifyAsync(new VerifyRequest(2, a.Token, a.Code))).Outcome);
        }

        Assert.Equal(VerifyOutcome.Verified, (await store.VerifyAsync(new VerifyRequest(1, a.Token, a.Code))).Outcome);
    }

    // Review of the success answers written from bytes: a code read back from Redis goes into the
    // answer's JSON as it is, so a stored value whose code is no code (another deployment or
    // version sharing the prefix, a hand edit) must answer Unavailable, never reach the answer.
    [StoreFact(StoreEngine.RedisStandalone)]
    public async Task AStoredCodeThatIsNoCodeIsNeverAnswered()
    {
        RedisOtpStore store = await ConnectAsync(StoreEngine.RedisStandalone);
        IssueResult issued = await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "tampered"u8), CodeType.Num, 6, 600, false));
        Assert.Equal(IssueStatus.Created, issued.Status);

        IDatabase db = store.Multiplexer.GetDatabase();
        IServer server = store.Multiplexer.GetServers()[0];
        var keys = new List<RedisKey>();
        await foreach (RedisKey found in server.KeysAsync(pattern: _prefix + "p*"))
        {
            keys.Add(found);
        }

        RedisKey key = Assert.Single(keys);
        byte[] value = (byte[])(await db.StringGetAsync(key))!;
        byte[] bad = "12\"456"u8.ToArray();
        bad.CopyTo(value, value.Length - bad.Length);
        Assert.True(await db.StringSetAsync(key, value, expiry: null, keepTtl: true));

        Assert.Equal(IssueStatus.Unavailable, (await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, "tampered"u8), CodeType.Num, 6, 600, false))).Status);
        Assert.Equal(VerifyOutcome.Unavailable, (await store.VerifyAsync(new VerifyRequest(1, issued.Token, new OtpCode(bad)))).Outcome);
    }

    private async Task<RedisOtpStore> ConnectAsync(StoreEngine engine, OtpStoreOptions? limits = null, byte[]? sharedSecret = null)
    {
        RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = StoreEndpoints.Of(engine)!, KeyPrefix = _prefix, SharedSecret = sharedSecret, Timeout = TimeSpan.FromSeconds(5) },
            limits ?? new OtpStoreOptions(),
            _time);
        _stores.Add(store);
        Assert.Null(store.NotReadyReason);
        return store;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class CapturingLogger : ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Lines.Enqueue(formatter(state, exception));
            }
        }
    }

    /// <summary>Listens on a port and pipes every connection to a target "host:port".</summary>
    private sealed class TcpForwarder : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();

        public TcpForwarder(int port, string target)
        {
            string[] parts = target.Split(':');
            var to = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    _ = Task.Run(async () =>
                    {
                        using TcpClient c = client;
                        using var upstream = new TcpClient();
                        await upstream.ConnectAsync(to);
                        NetworkStream a = c.GetStream(), b = upstream.GetStream();
                        await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
                    });
                }
            });
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
