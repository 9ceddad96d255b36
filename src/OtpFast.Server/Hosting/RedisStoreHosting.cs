using OtpFast.Core.Accounts;
using OtpFast.Core.Store;
using OtpFast.Core.Store.Redis;
using OtpFast.Core.Transactions;
using OtpFast.Server.Accounts;

namespace OtpFast.Server.Hosting;

/// <summary>
/// The shared store in the host (Store=redis): one connection to Redis, Redis Cluster or Garnet,
/// made before the server listens and closed when the host is disposed, and the node id lease
/// (<see cref="NodeLease"/>). Nothing is kept on this node's disk: the data directory holds only
/// the accounts file.
/// </summary>
internal static class RedisStoreHosting
{
    /// <param name="deploymentSecret">The accounts file's: what makes the nodes sharing that file one deployment.</param>
    /// <summary>
    /// The accounts file's deployment secret, added to a file written before there were any
    /// (then it must be copied to every node again: nodes with different secrets share nothing).
    /// </summary>
    /// <exception cref="AccountsFileException">The file cannot be written.</exception>
    public static AccountDirectory EnsureDeploymentSecret(string accountsPath, AccountDirectory accounts, TextWriter console)
    {
        if (accounts.DeploymentSecret is not null)
        {
            return accounts;
        }

        AccountsFile.EnsureDeploymentSecret(accountsPath);
        console.WriteLine($"OtpFast: added a deployment secret to {Path.GetFullPath(accountsPath)} (Store=redis keys pairs and tokens with it); copy this file to every node of the deployment.");
        return AccountsFile.Load(accountsPath);
    }

    public static void AddTo(IServiceCollection services, ServerOptions options, ReadOnlyMemory<byte> deploymentSecret)
    {
        var redis = new RedisStoreOptions
        {
            Configuration = options.Redis,
            Timeout = TimeSpan.FromMilliseconds(options.RedisTimeoutMilliseconds),
            KeyPrefix = options.RedisKeyPrefix,
            SharedSecret = deploymentSecret,
        };

        // A Redis that cannot be reached at start does not stop the server: it starts not ready
        // (/readyz 503, every call 503) and connects by itself once Redis answers, as after any outage.
        services.AddSingleton(sp => RedisOtpStore.ConnectAsync(
            redis, options.StoreLimits, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisOtpStore>>()).GetAwaiter().GetResult());
        services.AddSingleton<IOtpStore>(sp => sp.GetRequiredService<RedisOtpStore>());
        services.AddHostedService(sp => new NodeLease(
            sp.GetRequiredService<RedisOtpStore>().Multiplexer,
            options.RedisKeyPrefix,
            sp.GetRequiredService<TransactionIdGenerator>(),
            sp.GetRequiredService<NodeCount>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NodeLease>>()));
    }
}
