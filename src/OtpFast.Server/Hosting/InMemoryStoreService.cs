using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Server.Hosting;

/// <summary>
/// The embedded store's own life in the host: made from the data directory (snapshot, then
/// journal) before the server listens, its expiry heartbeat running while it serves, and saved
/// once the server has stopped and drained its requests.
/// </summary>
internal sealed class InMemoryStoreService(ShardedOtpStore store, ExpiryHeartbeat heartbeat, PairPersistence persistence) : IHostedLifecycleService
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(100);

    public static void AddTo(IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton(_ => new ExpiryHeartbeat(HeartbeatInterval));
        services.AddSingleton(sp => new PairPersistence(
            options.DataDir, sp.GetRequiredService<TimeProvider>(), options.Journal, sp.GetRequiredService<ILogger<PairPersistence>>()));
        services.AddSingleton(sp => sp.GetRequiredService<PairPersistence>().Open(options.StoreLimits));
        services.AddSingleton<IOtpStore>(sp => sp.GetRequiredService<ShardedOtpStore>());
        services.AddHostedService<InMemoryStoreService>();
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        heartbeat.Register(store);
        return Task.CompletedTask;
    }

    // Runs after every hosted service stopped, Kestrel included: no request can change a pair any more.
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        persistence.Stop();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
