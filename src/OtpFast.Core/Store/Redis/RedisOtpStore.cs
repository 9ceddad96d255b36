using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using OtpFast.Core.Codes;
using OtpFast.Core.Hashing;
using OtpFast.Core.Tokens;
using StackExchange.Redis;

namespace OtpFast.Core.Store.Redis;

/// <summary>
/// The shared <see cref="IOtpStore"/>: pairs live in Redis (standalone or Cluster) or Garnet, so
/// every node sees every pair. One multiplexer; one Lua script call per issue or verify.
/// </summary>
/// <remarks>
/// <para>Layout: one key per account + tokenCreator, <c>prefix p &lt;12 digest bytes&gt;</c>, holding
/// a packed <see cref="PairValue"/>. Tokens carry the digest, encrypted (<see cref="TokenCipher"/>),
/// so verify finds the key from the token alone and each script touches exactly the one key it
/// declares (cluster-safe with no hash tag: one key is always one slot).</para>
/// <para>Time is the calling node's <see cref="TimeProvider"/> wall clock (Unix ms, sent with each
/// call): deadlines, cooldowns and windows are decided in the script against that time, and the
/// Redis TTL (PX) is set from the same keep-until so Redis frees the memory. Nodes therefore need
/// synchronised clocks (NTP): a node whose clock is ahead by d sees pairs expire d early (and
/// cooldowns and failure windows end d early); one behind keeps them d longer. Skew within
/// NTP's milliseconds is harmless.</para>
/// <para>Capacity: <see cref="OtpStoreOptions.MaxLivePairs"/> does not apply; Redis is bounded by its
/// own <c>maxmemory</c> (set <c>maxmemory-policy noeviction</c>: an evicted pair would answer
/// unknown). A write refused for OOM answers Unavailable (503), as does any error or timeout.</para>
/// <para>Durability of a consume: when the key's master has replicas, a <c>Verified</c> is
/// answered only after <c>WAIT 1 timeout</c> on that master says a replica has the write, so a
/// failover cannot bring back a used code; WAIT answering 0 gives Unavailable (the pair stays used).</para>
/// </remarks>
public sealed class RedisOtpStore : IOtpStore, IAsyncDisposable
{
    private const int IssueTries = 4;
    private static readonly UInt128 UnknownCreator = UInt128.Zero;
    private const long NoFailure = long.MinValue / 2;
    private static readonly TimeSpan ReplicaInfoAge = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FailureHoldsFor = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private static readonly Action<ILogger, string, Exception?> LogUnreachable = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(70, "RedisUnreachable"), "Redis store at {Configuration} is unreachable; answering 503 until it can be reached.");

    private static readonly Action<ILogger, string, long, Exception?> LogNoReplicaAck = LoggerMessage.Define<string, long>(
        LogLevel.Warning, new EventId(71, "RedisWaitFailed"), "WAIT on {EndPoint}: no replica acknowledged a consume within {Timeout} ms; answering 503.");

    private static readonly Action<ILogger, string, long, Exception?> LogCallsFailing = LoggerMessage.Define<string, long>(
        LogLevel.Warning, new EventId(74, "RedisCallsFailing"), "Redis store calls are failing ({Problem}; {Failed} failed since the last such line): they answer 503.");

    private static readonly Action<ILogger, string, string, Exception?> LogConnectionFailed = LoggerMessage.Define<string, string>(
        LogLevel.Warning, new EventId(76, "RedisConnectionFailed"), "Redis connection to {EndPoint} failed: {FailureType}; retried in the background.");

    private static readonly Action<ILogger, Exception?> LogAnsweringAgain = LoggerMessage.Define(
        LogLevel.Information, new EventId(75, "RedisAnsweringAgain"), "Redis store calls succeed again (none failed for 2 s).");

    private static readonly Action<ILogger, Exception?> LogCallFailed = LoggerMessage.Define(
        LogLevel.Debug, new EventId(72, "RedisCallFailed"), "Redis store call failed; answering 503.");

    private static readonly Action<ILogger, string, Exception?> LogBadSecret = LoggerMessage.Define<string>(
        LogLevel.Error, new EventId(73, "RedisBadSecret"), "Redis key {Key} does not hold 32 bytes; the store stays unavailable.");

    private readonly ConnectionMultiplexer _mux;
    private readonly IDatabase _db;
    private readonly byte[] _pairKeyPrefix;
    private readonly RedisKey _secretKey;
    private readonly ConnectionMultiplexer _muxForEngine;
    private volatile string? _issueScript;
    private volatile string? _verifyScript;
    private volatile bool _engineKnown;
    private int _detectingEngine;
    private int _badSecretLogged;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly long _timeoutMs;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<EndPoint, ReplicaInfo> _replicas = new();
    private readonly ConcurrentDictionary<string, byte> _connectionFailures = new();

    // Limits, sent with every call (so one script serves stores with different limits).
    private readonly RedisValue _tombstoneMs;
    private readonly RedisValue _cooldownTenths;
    private readonly RedisValue _maxFailures;
    private readonly RedisValue _windowTenths;
    private readonly RedisValue _maxAttempts;

    private volatile Secrets? _secrets;
    private int _loadingSecrets;
    private long _lastFailureMs = NoFailure; // Environment.TickCount64 of the last failed call
    private long _lastWarningMs = NoFailure;
    private long _failuresSinceWarning;

    private RedisOtpStore(ConnectionMultiplexer mux, RedisStoreOptions redis, OtpStoreOptions limits, TimeProvider time, ILogger? logger, RedisEngine? engine)
    {
        _mux = mux;
        _db = mux.GetDatabase();
        _time = time;
        _logger = logger;
        _timeoutMs = (long)redis.Timeout.TotalMilliseconds;
        _timeout = redis.Timeout;
        byte[] prefix = System.Text.Encoding.UTF8.GetBytes(redis.KeyPrefix);
        _pairKeyPrefix = [.. prefix, (byte)'p'];
        _secretKey = (RedisKey)(redis.KeyPrefix + "creator-key");
        _muxForEngine = mux;
        mux.ConnectionFailed += OnConnectionFailed;
        mux.ConnectionRestored += OnConnectionRestored;
        if (engine is { } known)
        {
            UseEngine(known);
        }
        _tombstoneMs = (long)limits.TombstoneLifetime.TotalMilliseconds;
        _cooldownTenths = (long)Math.Ceiling(limits.ResendCooldown.TotalMilliseconds / 100);
        _maxFailures = limits.MaxFailedVerifiesPerCreator;
        _windowTenths = (long)Math.Ceiling(limits.FailedVerifyWindow.TotalMilliseconds / 100);
        _maxAttempts = limits.MaxVerifyAttempts;
    }

    /// <summary>The engine the scripts were written for (resolved from Auto at connect).</summary>
    public RedisEngine Engine { get; private set; } = RedisEngine.Auto;

    /// <summary>The multiplexer (for hosting: health, the node lease).</summary>
    public IConnectionMultiplexer Multiplexer => _mux;

    public string? NotReadyReason =>
        _secrets is null || !_mux.IsConnected || Environment.TickCount64 - Interlocked.Read(ref _lastFailureMs) < (long)FailureHoldsFor.TotalMilliseconds
            ? "store-unreachable"
            : null;

    /// <summary>
    /// Connects (never throws for an unreachable server: the store then starts not ready, logs
    /// one warning, and reconnects by itself), picks the engine and reads or creates the shared
    /// creator-digest key.
    /// </summary>
    public static async Task<RedisOtpStore> ConnectAsync(RedisStoreOptions redis, OtpStoreOptions limits, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(time);
        if (!redis.SharedSecret.IsEmpty && redis.SharedSecret.Length != 32)
        {
            throw new ArgumentException("SharedSecret must be 32 bytes (or empty).", nameof(redis));
        }

        if (redis.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("KeyPrefix must not hold '{' or '}'.", nameof(redis));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxVerifyAttempts, 1, nameof(limits.MaxVerifyAttempts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limits.MaxVerifyAttempts, PairValue.StateUnit - 1, nameof(limits.MaxVerifyAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxFailedVerifiesPerCreator, nameof(limits.MaxFailedVerifiesPerCreator));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limits.MaxFailedVerifiesPerCreator, ushort.MaxValue, nameof(limits.MaxFailedVerifiesPerCreator));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.FailedVerifyWindow, TimeSpan.FromSeconds(1), nameof(limits.FailedVerifyWindow));

        ConfigurationOptions config = ConfigurationOptions.Parse(redis.Configuration);
        int timeoutMs = (int)Math.Max(1, redis.Timeout.TotalMilliseconds);
        config.AbortOnConnectFail = false;
        config.AllowAdmin = true; // INFO server (engine) and INFO replication (whether a consume WAITs)
        config.ConnectTimeout = timeoutMs;
        config.SyncTimeout = timeoutMs;
        config.AsyncTimeout = timeoutMs;

        // No queue while a connection is down (an outage, a failover): such calls fail at once
        // and answer 503 rather than wait out the timeout; the client retries.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        ConnectionMultiplexer mux = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);

        RedisEngine engine = redis.Engine;
        if (engine == RedisEngine.Auto)
        {
            engine = await DetectEngineAsync(mux).ConfigureAwait(false) ?? RedisEngine.Auto;
        }

        // An engine not known yet (the server was down) is asked again before the first script runs.
        var store = new RedisOtpStore(mux, redis, limits, time, logger, engine == RedisEngine.Auto ? null : engine);
        if (redis.SharedSecret.Length == 32)
        {
            store._secrets = new Secrets(new SipHash128(redis.SharedSecret.Span[..16]), new TokenCipher(redis.SharedSecret.Span[16..]));
            if (!mux.IsConnected && logger is not null)
            {
                LogUnreachable(logger, config.ToString(includePassword: false), null);
            }
        }
        else if (!await store.TryLoadSecretsAsync().ConfigureAwait(false))
        {
            if (logger is not null)
            {
                LogUnreachable(logger, config.ToString(includePassword: false), null);
            }
        }

        return store;
    }

    public UInt128 DigestCreator(int accountId, ReadOnlySpan<byte> tokenCreator)
    {
        // Before the shared key is known there is no right digest: zero (never a real one in
        // practice, 2^-128) makes the issue that follows answer Unavailable, so no pair can be
        // filed under a digest that other nodes would not compute.
        if (_secrets is { } secrets)
        {
            return CreatorDigest.Compute(secrets.CreatorHash, accountId, tokenCreator);
        }

        CreatorDigest.ThrowIfOutOfBounds(tokenCreator);
        return UnknownCreator;
    }

    public ValueTask<IssueResult> IssueAsync(in IssueRequest request)
    {
        if (!CodeAlphabet.IsValidLength(request.CodeLength))
        {
            throw new ArgumentOutOfRangeException(nameof(request), "CodeLength is out of range.");
        }

        if (request.ExpirySeconds < 0 || request.ExpirySeconds > OtpStoreOptions.MaxSupportedExpirySeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "ExpirySeconds is out of range.");
        }

        return IssueCoreAsync(request);
    }

    public ValueTask<VerifyResult> VerifyAsync(in VerifyRequest request) => VerifyCoreAsync(request);

    public async ValueTask DisposeAsync()
    {
        await _mux.DisposeAsync().ConfigureAwait(false);
        _secrets?.Cipher.Dispose();
    }

    /// <summary>The pair key of a creator digest (its low 12 bytes name the pair).</summary>
    internal RedisKey PairKey(UInt128 creator)
    {
        Span<byte> digest = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(digest, creator);
        return PairKey(digest[..TokenCipher.DigestBytes]);
    }

    internal RedisKey PairKey(ReadOnlySpan<byte> digest12)
    {
        byte[] key = new byte[_pairKeyPrefix.Length + TokenCipher.DigestBytes];
        _pairKeyPrefix.CopyTo(key, 0);
        digest12.CopyTo(key.AsSpan(_pairKeyPrefix.Length));
        return key;
    }

    /// <summary>The pair key a token names, or null before the shared key is known.</summary>
    internal RedisKey? PairKeyOf(OtpToken token)
    {
        Secrets? secrets = _secrets;
        if (secrets is null)
        {
            return null;
        }

        Span<byte> digest = stackalloc byte[TokenCipher.DigestBytes];
        secrets.Cipher.Open(token, digest);
        return PairKey(digest);
    }

    private static async Task<RedisEngine?> DetectEngineAsync(ConnectionMultiplexer mux)
    {
        foreach (IServer server in mux.GetServers())
        {
            try
            {
                IGrouping<string, KeyValuePair<string, string>>[] info = await server.InfoAsync("server").ConfigureAwait(false);
                foreach (IGrouping<string, KeyValuePair<string, string>> group in info)
                {
                    foreach (KeyValuePair<string, string> pair in group)
                    {
                        if (pair.Key == "garnet_version" || (pair.Key == "server_name" && pair.Value == "garnet"))
                        {
                            return RedisEngine.Garnet;
                        }
                    }
                }

                return RedisEngine.Redis;
            }
#pragma warning disable CA1031 // An unreachable server: try the next, or fall back to Redis.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        return null;
    }

    private static IssueResult IssueUnavailable => new(IssueStatus.Unavailable, default, default);

    // Why a connection failed is said once per endpoint and cause until it is restored (the
    // client's own reconnects; the first connect fails before this store subscribes).
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        string endpoint = e.EndPoint?.ToString() ?? "?";
        if (_logger is not null && _connectionFailures.TryAdd(endpoint + " " + e.FailureType, 0))
        {
            LogConnectionFailed(_logger, endpoint, e.FailureType.ToString(), null);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        string endpoint = e.EndPoint?.ToString() ?? "?";
        foreach (string key in _connectionFailures.Keys)
        {
            if (key.StartsWith(endpoint + " ", StringComparison.Ordinal))
            {
                _connectionFailures.TryRemove(key, out _);
            }
        }
    }

    // Redis gets the shebang (a cluster then refuses any key outside the declared one), and on the
    // verify script allow-oom: a full Redis still lets held codes be consumed (a consume only
    // shrinks the value), so one account's flood of new pairs cannot block every login.
    // Garnet rejects the shebang: its scripts go without.
    private void UseEngine(RedisEngine engine)
    {
        bool redis = engine != RedisEngine.Garnet;
        _issueScript = (redis ? "#!lua\n" : string.Empty) + RedisScripts.Issue;
        _verifyScript = (redis ? "#!lua flags=allow-oom\n" : string.Empty) + RedisScripts.Verify;
        Engine = engine;
        _engineKnown = true;
    }

    private async ValueTask<bool> EnsureEngineAsync()
    {
        if (_engineKnown)
        {
            return true;
        }

        if (Interlocked.Exchange(ref _detectingEngine, 1) != 0)
        {
            return false;
        }

        try
        {
            if (await DetectEngineAsync(_muxForEngine).ConfigureAwait(false) is { } engine)
            {
                UseEngine(engine);
            }

            return _engineKnown;
        }
        finally
        {
            Volatile.Write(ref _detectingEngine, 0);
        }
    }

    private static VerifyResult VerifyUnavailable => new(VerifyOutcome.Unavailable, default);

    private async ValueTask<IssueResult> IssueCoreAsync(IssueRequest request)
    {
        Secrets? secrets = _secrets ?? await LoadSecretsInBackgroundAsync().ConfigureAwait(false);
        if (secrets is null || request.Creator == UnknownCreator)
        {
            return IssueUnavailable;
        }

        byte[] code = new byte[request.CodeLength];
        CodeGenerator.Write(request.CodeType, code);
        byte[] account = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(account, request.AccountId);
        RedisKey[] keys = [PairKey(request.Creator)];
        for (int attempt = 0; attempt < IssueTries; attempt++)
        {
            byte[] nonce = new byte[4];
            SecureRandomPool.Fill(nonce);
            RedisValue[] args =
            [
                nonce, account, NowMs(), request.ExpirySeconds * 1000L, request.ReCreate ? 1 : 0, code,
                _tombstoneMs, _cooldownTenths, _maxFailures, _windowTenths,
            ];
            byte[]? answer = await EvaluateAsync(issue: true, keys, args).ConfigureAwait(false);
            if (answer is null || answer.Length == 0)
            {
                return IssueUnavailable;
            }

            switch (answer[0])
            {
                case (byte)'N':
                    return new IssueResult(IssueStatus.Created, secrets.Cipher.Seal(request.Creator, BinaryPrimitives.ReadUInt32LittleEndian(nonce)), new OtpCode(code));
                // A code read back from Redis goes into the answer's JSON as it is: anything but
                // 4-12 letters and digits (a value another deployment, version or hand wrote) is refused.
                case (byte)'E' when answer.Length >= 5 && CodeAlphabet.IsPlausibleCode(answer.AsSpan(5)):
                    return new IssueResult(IssueStatus.Existing, secrets.Cipher.Seal(request.Creator, BinaryPrimitives.ReadUInt32LittleEndian(answer.AsSpan(1))), new OtpCode(answer.AsSpan(5)));
                case (byte)'B':
                    return new IssueResult(IssueStatus.FailedVerifiesSpent, default, default);
                case (byte)'C':
                    return new IssueResult(IssueStatus.CoolingDown, default, default);
                case (byte)'R':
                    continue; // the drawn nonce equals the old pair's: the old token must not verify the new pair
                default:
                    return IssueUnavailable;
            }
        }

        return IssueUnavailable;
    }

    private async ValueTask<VerifyResult> VerifyCoreAsync(VerifyRequest request)
    {
        Secrets? secrets = _secrets ?? await LoadSecretsInBackgroundAsync().ConfigureAwait(false);
        if (secrets is null)
        {
            return VerifyUnavailable;
        }

        byte[] digest = new byte[TokenCipher.DigestBytes];
        uint nonceValue = secrets.Cipher.Open(request.Token, digest);
        byte[] nonce = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, nonceValue);
        byte[] account = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(account, request.AccountId);
        byte[] sent = new byte[request.Code.Length];
        request.Code.CopyTo(sent);
        UpperCase(sent);
        RedisKey key = PairKey(digest);
        RedisValue[] args = [nonce, account, NowMs(), sent, _tombstoneMs, _maxAttempts, _maxFailures, _windowTenths];
        byte[]? answer = await EvaluateAsync(issue: false, [key], args).ConfigureAwait(false);
        if (answer is null || answer.Length == 0)
        {
            return VerifyUnavailable;
        }

        switch (answer[0])
        {
            case (byte)'V' when CodeAlphabet.IsPlausibleCode(answer.AsSpan(1)):
                var matched = new OtpCode(answer.AsSpan(1));
                return await ReplicatedAsync(key).ConfigureAwait(false) ? new VerifyResult(VerifyOutcome.Verified, matched) : VerifyUnavailable;
            case (byte)'M':
                return new VerifyResult(VerifyOutcome.Mismatch, default);
            case (byte)'U':
                return new VerifyResult(VerifyOutcome.Unknown, default);
            case (byte)'S':
                return new VerifyResult(VerifyOutcome.Used, default);
            case (byte)'L':
                return new VerifyResult(VerifyOutcome.Locked, default);
            case (byte)'X':
                return new VerifyResult(VerifyOutcome.Expired, default);
            default:
                return VerifyUnavailable;
        }
    }

    // Branch-free ASCII upper-casing (as OtpShard): stored codes are upper case.
    private static void UpperCase(Span<byte> code)
    {
        for (int i = 0; i < code.Length; i++)
        {
            int b = code[i];
            int isLower = (((b - 'a') | ('z' - b)) >>> 31) ^ 1;
            code[i] = (byte)(b & ~(isLower << 5));
        }
    }

    // The script text depends on the engine (see UseEngine), read once it is known.
    private async ValueTask<byte[]?> EvaluateAsync(bool issue, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            if (!_engineKnown && !await EnsureEngineAsync().ConfigureAwait(false))
            {
                NoteFailure(null, "the server has not said yet whether it is Redis or Garnet");
                return null;
            }

            string script = (issue ? _issueScript : _verifyScript)!;
            RedisResult result = await _db.ScriptEvaluateAsync(script, keys, args).WaitAsync(_timeout).ConfigureAwait(false);
            if (Volatile.Read(ref _lastFailureMs) != NoFailure)
            {
                NoteSuccess();
            }

            return (byte[]?)result;
        }
#pragma warning disable CA1031 // Every failure of the store answers Unavailable, never an exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            NoteFailure(e);
            return null;
        }
    }

    // A consume counts only once a replica has it, when the key's master has replicas.
    private async ValueTask<bool> ReplicatedAsync(RedisKey key)
    {
        try
        {
            IServer server = _mux.GetServer(key);
            if (!await HasReplicasAsync(server).ConfigureAwait(false))
            {
                return true;
            }

            // The server's wait is half the timeout, so a slow replica answers 0 (503) before the call itself times out.
            RedisResult acked = await server.ExecuteAsync("WAIT", 1, Math.Max(1, _timeoutMs / 2)).WaitAsync(_timeout).ConfigureAwait(false);
            if ((long)acked >= 1)
            {
                return true;
            }

            if (_logger is not null)
            {
                LogNoReplicaAck(_logger, server.EndPoint?.ToString() ?? "?", _timeoutMs, null);
            }

            NoteFailure(null);
            return false;
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            NoteFailure(e);
            return false;
        }
    }

    // Read once per endpoint, then refreshed every ReplicaInfoAge by one call in the background
    // while the others go on with what was known (a stampede of INFO calls otherwise: every
    // verify that found the entry stale sent its own).
    private async ValueTask<bool> HasReplicasAsync(IServer server)
    {
        long now = Environment.TickCount64;
        if (_replicas.TryGetValue(server.EndPoint, out ReplicaInfo? known))
        {
            if (now - known.ReadAt >= ReplicaInfoAge.TotalMilliseconds && Interlocked.Exchange(ref known.Refreshing, 1) == 0)
            {
                _ = RefreshReplicasAsync(server);
            }

            return known.Count > 0;
        }

        return await RefreshReplicasAsync(server).ConfigureAwait(false) > 0;
    }

    private async Task<int> RefreshReplicasAsync(IServer server)
    {
        int count;
        try
        {
            count = await ReadReplicaCountAsync(server).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed read keeps what was known; the next stale use tries again.
        catch (Exception)
#pragma warning restore CA1031
        {
            if (_replicas.TryGetValue(server.EndPoint, out ReplicaInfo? known))
            {
                Volatile.Write(ref known.Refreshing, 0);
                return known.Count;
            }

            throw;
        }

        _replicas[server.EndPoint] = new ReplicaInfo(count, Environment.TickCount64);
        return count;
    }

    private async Task<int> ReadReplicaCountAsync(IServer server)
    {
        IGrouping<string, KeyValuePair<string, string>>[] info = await server.InfoAsync("replication").WaitAsync(_timeout).ConfigureAwait(false);
        int count = 0;
        foreach (IGrouping<string, KeyValuePair<string, string>> group in info)
        {
            foreach (KeyValuePair<string, string> pair in group)
            {
                if (pair.Key == "connected_slaves")
                {
                    count = int.Parse(pair.Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return count;
    }

    /// <summary>Whether WAIT is sent for a consume of this key (for tests).</summary>
    internal ValueTask<bool> WaitsForReplicaAsync(RedisKey key) => HasReplicasAsync(_mux.GetServer(key));

    // Failures are a warning at most every WarnEvery (a failover fails some calls and not others
    // for seconds: thousands of 503s must not be silent, nor a line each), with how many failed;
    // the first success once FailureHoldsFor has passed without a failure (ready again) is one line.
    private void NoteFailure(Exception? e, string? problem = null)
    {
        long now = Environment.TickCount64;
        Interlocked.Exchange(ref _lastFailureMs, now);
        long failed = Interlocked.Increment(ref _failuresSinceWarning);
        long warned = Volatile.Read(ref _lastWarningMs);
        if (_logger is null || now - warned < WarnEvery.TotalMilliseconds || Interlocked.CompareExchange(ref _lastWarningMs, now, warned) != warned)
        {
            if (_logger is not null && e is not null)
            {
                LogCallFailed(_logger, e);
            }

            return;
        }

        Interlocked.Add(ref _failuresSinceWarning, -failed);
        LogCallsFailing(_logger, problem ?? Describe(e), failed, null);
    }

    private void NoteSuccess()
    {
        long last = Volatile.Read(ref _lastFailureMs);
        if (last == NoFailure || Environment.TickCount64 - last < FailureHoldsFor.TotalMilliseconds
            || Interlocked.CompareExchange(ref _lastFailureMs, NoFailure, last) != last)
        {
            return;
        }

        if (_logger is not null)
        {
            LogAnsweringAgain(_logger, null);
        }
    }

    private static string Describe(Exception? e) => e switch
    {
        null => "no replica acknowledged a consume in time",
        RedisTimeoutException or TimeoutException => "timed out",
        RedisConnectionException connection => $"no connection: {connection.FailureType}",
        RedisServerException server => "refused by Redis: " + (server.Message.Length <= 80 ? server.Message : server.Message[..80]),
        _ => e.GetType().Name,
    };

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // While the shared key is unknown (Redis was down at start), one call at a time tries to read it.
    private async ValueTask<Secrets?> LoadSecretsInBackgroundAsync()
    {
        if (Interlocked.Exchange(ref _loadingSecrets, 1) != 0)
        {
            return null;
        }

        try
        {
            return await TryLoadSecretsAsync().ConfigureAwait(false) ? _secrets : null;
        }
        finally
        {
            Volatile.Write(ref _loadingSecrets, 0);
        }
    }

    // 32 secret bytes shared by every node: 16 for the creator digest, 16 for the token cipher.
    private async Task<bool> TryLoadSecretsAsync()
    {
        try
        {
            byte[] fresh = new byte[32];
            SecureRandomPool.Fill(fresh);
            await _db.StringSetAsync(_secretKey, fresh, when: When.NotExists).ConfigureAwait(false);
            byte[]? stored = await _db.StringGetAsync(_secretKey).ConfigureAwait(false);
            if (stored is not { Length: 32 })
            {
                // Once until a good one loads: every request retries, and each would log it again.
                if (_logger is not null && Interlocked.Exchange(ref _badSecretLogged, 1) == 0)
                {
                    LogBadSecret(_logger, _secretKey.ToString(), null);
                }

                return false;
            }

            _secrets = new Secrets(new SipHash128(stored.AsSpan(0, 16)), new TokenCipher(stored.AsSpan(16, 16)));
            Volatile.Write(ref _badSecretLogged, 0);
            return true;
        }
#pragma warning disable CA1031
        catch (Exception e)
#pragma warning restore CA1031
        {
            NoteFailure(e);
            return false;
        }
    }

    private sealed record Secrets(SipHash128 CreatorHash, TokenCipher Cipher);

    private sealed class ReplicaInfo(int count, long readAt)
    {
        public int Count { get; } = count;

        public long ReadAt { get; } = readAt;

        /// <summary>1 while one call refreshes this entry.</summary>
        public int Refreshing;
    }
}
