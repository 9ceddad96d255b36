namespace OtpFast.Tests;

/// <summary>The kinds of shared store the store-contract tests run against (issue 10).</summary>
public enum StoreEngine
{
    /// <summary>One Redis server: <c>TEST_REDIS_STANDALONE=127.0.0.1:P</c>.</summary>
    RedisStandalone,

    /// <summary>A Redis Cluster (3 masters + 3 replicas): <c>TEST_REDIS_CLUSTER=127.0.0.1:P1,127.0.0.1:P2,...</c>.</summary>
    RedisCluster,

    /// <summary>Garnet, started with --lua --lua-transaction-mode: <c>TEST_GARNET=127.0.0.1:P</c>.</summary>
    Garnet,
}

/// <summary>
/// Where the real stores are: .ci/stores.sh starts them on free loopback ports and writes these
/// variables (CI sources them; a developer runs <c>eval "$(.ci/stores.sh start /tmp/otpfast-stores)"</c>).
/// Not OTPFAST_*: the server takes every OTPFAST_ variable as a setting and refuses unknown ones.
/// </summary>
public static class StoreEndpoints
{
    /// <summary>The command that starts all three stores and sets the variables, for skip reasons.</summary>
    public const string StartCommand = "eval \"$(.ci/stores.sh start /tmp/otpfast-stores)\"";

    /// <summary>The variable that names the engine's endpoint(s).</summary>
    public static string VariableOf(StoreEngine engine) => engine switch
    {
        StoreEngine.RedisStandalone => "TEST_REDIS_STANDALONE",
        StoreEngine.RedisCluster => "TEST_REDIS_CLUSTER",
        StoreEngine.Garnet => "TEST_GARNET",
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, null),
    };

    /// <summary>
    /// The engine's endpoint as the variable gives it ("127.0.0.1:P"; for the cluster a
    /// comma-separated list of its nodes), or null where the variable is unset or blank.
    /// </summary>
    public static string? Of(StoreEngine engine)
    {
        string? value = Environment.GetEnvironmentVariable(VariableOf(engine));
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>The engine's endpoints, one "host:port" each; throws where the variable is unset.</summary>
    public static string[] ListOf(StoreEngine engine) =>
        (Of(engine) ?? throw new InvalidOperationException($"{VariableOf(engine)} is not set; {StartCommand} starts the stores"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Why a test of the engine is skipped here, or null where its endpoint is set.</summary>
    public static string? SkipReason(StoreEngine engine)
    {
        if (Of(engine) is not null)
        {
            return null;
        }

        string what = engine switch
        {
            StoreEngine.RedisStandalone => "no standalone Redis",
            StoreEngine.RedisCluster => "no Redis Cluster",
            _ => "no Garnet",
        };
        return $"{what}: set {VariableOf(engine)} (`{StartCommand}` starts one; `.ci/stores.sh install` first on a new machine)";
    }
}

/// <summary>A fact that needs a real store; where its variable is unset it is skipped and the results say why.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute
{
    public StoreFactAttribute(StoreEngine engine)
    {
        Engine = engine;
        if (StoreEndpoints.SkipReason(engine) is string reason)
        {
            Skip = reason;
        }
    }

    public StoreEngine Engine { get; }
}

/// <summary>A theory that needs a real store; where its variable is unset it is skipped and the results say why.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreTheoryAttribute : TheoryAttribute
{
    public StoreTheoryAttribute(StoreEngine engine)
    {
        Engine = engine;
        if (StoreEndpoints.SkipReason(engine) is string reason)
        {
            Skip = reason;
        }
    }

    public StoreEngine Engine { get; }
}
