namespace OtpFast.Core.Tests.Store.Redis;

/// <summary>
/// A fact that needs a standalone Redis (or Garnet) named by TEST_REDIS_STANDALONE
/// (<c>127.0.0.1:port</c>); without it the test is skipped and the results say why.
/// </summary>
/// <remarks>Stands in until tests/Shared/StoreEndpoints.cs's StoreFactAttribute is merged; then use that.</remarks>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RedisFactAttribute : FactAttribute
{
    public const string Variable = "TEST_REDIS_STANDALONE";

    public RedisFactAttribute()
    {
        if (string.IsNullOrEmpty(Endpoint))
        {
            Skip = $"needs a Redis or Garnet server: set {Variable}=127.0.0.1:port (.ci/run starts one)";
        }
    }

    public static string? Endpoint => Environment.GetEnvironmentVariable(Variable);
}
