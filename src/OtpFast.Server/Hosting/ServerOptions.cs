using System.Globalization;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;
using OtpFast.Core.Transactions;

namespace OtpFast.Server.Hosting;

/// <summary>
/// The server's settings, read from standard ASP.NET Core configuration: embedded defaults,
/// appsettings.json, <c>OTPFAST_</c> environment variables, then the command line.
/// </summary>
internal sealed class ServerOptions
{
    public const string DefaultUrls = "http://localhost:5080";
    public const int DefaultMaxExpirySeconds = 2_592_000;
    public const int DefaultMaxBodyBytes = 8 * 1024;
    public const int MaxTokenCreatorChars = 256;
    public const int DefaultMaxConnectionsPerClient = 256;

    /// <summary>The embedded defaults, lowest in priority; every key of the README's table.</summary>
    public static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Urls"] = DefaultUrls,
        ["DataDir"] = "./data",
        ["NodeId"] = "0",
        ["MaxExpirySeconds"] = DefaultMaxExpirySeconds.ToString(CultureInfo.InvariantCulture),
        ["MaxVerifyAttempts"] = OtpStoreOptions.DefaultMaxVerifyAttempts.ToString(CultureInfo.InvariantCulture),
        ["MaxBodyBytes"] = DefaultMaxBodyBytes.ToString(CultureInfo.InvariantCulture),
        ["MaxLivePairs"] = OtpStoreOptions.DefaultMaxLivePairs.ToString(CultureInfo.InvariantCulture),
        ["AccountsReloadMilliseconds"] = "500",
        ["DefaultAccountRatePerSecond"] = "1000",
        ["ResendCooldownSeconds"] = "0",
        ["MaxFailedVerifiesPerCreator"] = OtpStoreOptions.DefaultMaxFailedVerifiesPerCreator.ToString(CultureInfo.InvariantCulture),
        ["FailedVerifyWindowSeconds"] = OtpStoreOptions.DefaultFailedVerifyWindowSeconds.ToString(CultureInfo.InvariantCulture),
        ["MaxConnections"] = "10000",
        ["MaxConnectionsPerClient"] = DefaultMaxConnectionsPerClient.ToString(CultureInfo.InvariantCulture),
        ["KeepAliveSeconds"] = "60",
        ["RequestHeadersTimeoutSeconds"] = "10",
        ["MaxRequestHeaderBytes"] = "16384",
        ["MaxRequestHeaderCount"] = "50",
        ["MaxRequestLineBytes"] = "4096",
        ["MinDataBytesPerSecond"] = "240",
        ["Durability"] = "safe",
        ["JournalSyncMilliseconds"] = JournalOptions.DefaultSyncMilliseconds.ToString(CultureInfo.InvariantCulture),
        ["CommitTimeoutMilliseconds"] = JournalOptions.DefaultCommitTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture),
        ["JournalCompactMegabytes"] = (JournalOptions.DefaultCompactBytes >> 20).ToString(CultureInfo.InvariantCulture),
        ["Metrics"] = "true",
        ["InlineRequests"] = "false",
        ["Store"] = "memory",
        ["Redis"] = "",
        ["RedisTimeoutMilliseconds"] = "1000",
        ["RedisKeyPrefix"] = "o:",

        // ASP.NET Core starts an Activity (a W3C trace id, a log scope) for every request
        // whenever this category logs at any level: ~5% of a request's CPU in a profile.
        // OtpFast logs nothing per request, so it is off unless configured back on.
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    /// <summary>Command-line spellings besides <c>--Key value</c>.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--data-dir"] = "DataDir",
        ["--node-id"] = "NodeId",
        ["--max-expiry-seconds"] = "MaxExpirySeconds",
        ["--max-verify-attempts"] = "MaxVerifyAttempts",
        ["--max-body-bytes"] = "MaxBodyBytes",
        ["--max-live-pairs"] = "MaxLivePairs",
        ["--durability"] = "Durability",
        ["--store"] = "Store",
        ["--redis"] = "Redis",
        ["--log-format"] = "Logging:Console:FormatterName",
    };

    public required string DataDir { get; init; }

    public required int NodeId { get; init; }

    public required int MaxExpirySeconds { get; init; }

    public required int MaxVerifyAttempts { get; init; }

    public required int MaxBodyBytes { get; init; }

    public required long MaxLivePairs { get; init; }

    public required int AccountsReloadMilliseconds { get; init; }

    /// <summary>Requests per second an account may make when its own entry sets none; 0 = unlimited.</summary>
    public required int DefaultAccountRatePerSecond { get; init; }

    /// <summary>Least time between two new pairs of one account + tokenCreator; 0 = off.</summary>
    public required int ResendCooldownSeconds { get; init; }

    /// <summary>Wrong codes one account + tokenCreator may send across its pairs per window; 0 = off.</summary>
    public required int MaxFailedVerifiesPerCreator { get; init; }

    public required int FailedVerifyWindowSeconds { get; init; }

    public required int MaxConnections { get; init; }

    /// <summary>Connections one remote address may hold at once; one more is closed at once.</summary>
    public required int MaxConnectionsPerClient { get; init; }

    public required int KeepAliveSeconds { get; init; }

    public required int RequestHeadersTimeoutSeconds { get; init; }

    public required int MaxRequestHeaderBytes { get; init; }

    public required int MaxRequestHeaderCount { get; init; }

    public required int MaxRequestLineBytes { get; init; }

    /// <summary>Slowest a client may send a body or read an answer (after a 5 s grace period) before it is cut off.</summary>
    public required int MinDataBytesPerSecond { get; init; }

    /// <summary>When answers wait for the journal (safe, strict, relaxed, off).</summary>
    public required DurabilityMode Durability { get; init; }

    public required int JournalSyncMilliseconds { get; init; }

    public required int CommitTimeoutMilliseconds { get; init; }

    public required int JournalCompactMegabytes { get; init; }

    /// <summary>Whether GET /metrics is served (and its listener counts); off, the instruments still publish to any other listener.</summary>
    public required bool Metrics { get; init; }

    /// <summary>Whether socket reads and writes complete on the socket engine's event thread instead of going through the thread pool first (see <see cref="InlineRequests"/>).</summary>
    public required bool InlineRequests { get; init; }

    /// <summary>The console log format: simple (text), json (one object per line) or systemd.</summary>
    public required string LogFormat { get; init; }

    /// <summary>Where pairs live: <see cref="StoreKind.Memory"/> (embedded, the default) or <see cref="StoreKind.Redis"/> (shared by several nodes).</summary>
    public required StoreKind Store { get; init; }

    /// <summary>A StackExchange.Redis configuration string (host:port,host:port,...); required with Store=redis.</summary>
    public required string Redis { get; init; }

    /// <summary>Longest wait for Redis (connect and each call); a call slower than this answers 503.</summary>
    public required int RedisTimeoutMilliseconds { get; init; }

    /// <summary>Starts every key OtpFast writes in Redis, so deployments can share one Redis.</summary>
    public required string RedisKeyPrefix { get; init; }

    /// <summary>The store's limits from these settings.</summary>
    public OtpStoreOptions StoreLimits => new()
    {
        MaxLivePairs = MaxLivePairs,
        MaxVerifyAttempts = MaxVerifyAttempts,
        ResendCooldown = TimeSpan.FromSeconds(ResendCooldownSeconds),
        MaxFailedVerifiesPerCreator = MaxFailedVerifiesPerCreator,
        FailedVerifyWindow = TimeSpan.FromSeconds(FailedVerifyWindowSeconds),
    };

    public JournalOptions Journal => new()
    {
        Mode = Durability,
        SyncInterval = TimeSpan.FromMilliseconds(JournalSyncMilliseconds),
        CommitTimeout = TimeSpan.FromMilliseconds(CommitTimeoutMilliseconds),
        CompactBytes = (long)JournalCompactMegabytes << 20,
    };

    /// <exception cref="StartupException">A value is missing, not a number, or out of range.</exception>
    public static ServerOptions Read(IConfiguration config)
    {
        string dataDir = config["DataDir"] is { Length: > 0 } dir ? dir : throw new StartupException("DataDir must not be empty; give --data-dir DIR.");
        return new ServerOptions
        {
            DataDir = dataDir,
            NodeId = ReadNodeId(config),
            MaxExpirySeconds = (int)Number(config, "MaxExpirySeconds", 1, OtpStoreOptions.MaxSupportedExpirySeconds),
            MaxVerifyAttempts = (int)Number(config, "MaxVerifyAttempts", 1, 1000),
            MaxBodyBytes = (int)Number(config, "MaxBodyBytes", 256, 1024 * 1024),
            MaxLivePairs = Number(config, "MaxLivePairs", 1, 1_000_000_000),
            AccountsReloadMilliseconds = (int)Number(config, "AccountsReloadMilliseconds", 50, 60_000),
            DefaultAccountRatePerSecond = (int)Number(config, "DefaultAccountRatePerSecond", 0, 10_000_000),
            ResendCooldownSeconds = (int)Number(config, "ResendCooldownSeconds", 0, 86_400),
            MaxFailedVerifiesPerCreator = (int)Number(config, "MaxFailedVerifiesPerCreator", 0, 10_000),
            FailedVerifyWindowSeconds = (int)Number(config, "FailedVerifyWindowSeconds", 1, 2_592_000),
            MaxConnections = (int)Number(config, "MaxConnections", 1, 1_000_000),
            MaxConnectionsPerClient = (int)Number(config, "MaxConnectionsPerClient", 1, 1_000_000),
            KeepAliveSeconds = (int)Number(config, "KeepAliveSeconds", 1, 3600),
            RequestHeadersTimeoutSeconds = (int)Number(config, "RequestHeadersTimeoutSeconds", 1, 300),
            MaxRequestHeaderBytes = (int)Number(config, "MaxRequestHeaderBytes", 1024, 1024 * 1024),
            MaxRequestHeaderCount = (int)Number(config, "MaxRequestHeaderCount", 8, 1000),
            MaxRequestLineBytes = (int)Number(config, "MaxRequestLineBytes", 256, 64 * 1024),
            MinDataBytesPerSecond = (int)Number(config, "MinDataBytesPerSecond", 1, 1024 * 1024),
            Durability = ReadDurability(config["Durability"]),
            LogFormat = ReadLogFormat(config["Logging:Console:FormatterName"]),
            JournalSyncMilliseconds = (int)Number(config, "JournalSyncMilliseconds", 1, 1000),
            CommitTimeoutMilliseconds = (int)Number(config, "CommitTimeoutMilliseconds", 100, 60_000),
            JournalCompactMegabytes = (int)Number(config, "JournalCompactMegabytes", 1, 64 * 1024),
            Metrics = ReadSwitch(config, "Metrics"),
            InlineRequests = ReadSwitch(config, "InlineRequests"),
            Store = ReadStore(config["Store"], config["Redis"]),
            Redis = config["Redis"]?.Trim() ?? "",
            RedisTimeoutMilliseconds = (int)Number(config, "RedisTimeoutMilliseconds", 50, 60_000),
            RedisKeyPrefix = ReadKeyPrefix(config["RedisKeyPrefix"]),
        };
    }

    private static StoreKind ReadStore(string? store, string? redis)
    {
        StoreKind kind = store?.Trim().ToLowerInvariant() switch
        {
            "memory" => StoreKind.Memory,
            "redis" => StoreKind.Redis,
            _ => throw new StartupException($"Store must be memory or redis; got '{store}'."),
        };
        if (kind == StoreKind.Redis && string.IsNullOrWhiteSpace(redis))
        {
            throw new StartupException("Store=redis needs the Redis servers: give --redis HOST:PORT[,HOST:PORT...] (OTPFAST_Redis).");
        }

        return kind;
    }

    private static int ReadNodeId(IConfiguration config)
    {
        int nodeId = (int)Number(config, "NodeId", 0, TransactionIdGenerator.MaxNodeId);
        if (nodeId != 0 && config["Store"]?.Trim().Equals("redis", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new StartupException("NodeId is leased from the store with Store=redis (unique across the nodes sharing it); remove --node-id / OTPFAST_NodeId.");
        }

        return nodeId;
    }

    // The prefix goes before the hash tag of every key: braces in it would move keys between slots.
    private static string ReadKeyPrefix(string? prefix) =>
        prefix is not null && prefix.Length <= 64 && !prefix.Contains('{', StringComparison.Ordinal) && !prefix.Contains('}', StringComparison.Ordinal)
            ? prefix
            : throw new StartupException($"RedisKeyPrefix must be at most 64 characters without braces; got '{prefix}'.");

    private static DurabilityMode ReadDurability(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "safe" => DurabilityMode.Safe,
        "strict" => DurabilityMode.Strict,
        "relaxed" => DurabilityMode.Relaxed,
        "off" => DurabilityMode.Off,
        _ => throw new StartupException($"Durability must be safe, strict, relaxed or off; got '{text}'."),
    };

    private static string ReadLogFormat(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "simple" => "simple",
        "json" => "json",
        "systemd" => "systemd",
        _ => throw new StartupException($"the log format (--log-format, Logging:Console:FormatterName) must be simple, json or systemd; got '{text}'."),
    };

    private static bool ReadSwitch(IConfiguration config, string key) => config[key]?.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        var text => throw new StartupException($"{key} must be true or false; got '{text}'."),
    };

    private static long Number(IConfiguration config, string key, long min, long max)
    {
        string? text = config[key];
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new StartupException($"{key} must be a whole number from {min} to {max}; got '{text}'.");
        }

        return value;
    }
}
