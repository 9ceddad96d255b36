using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using OtpFast.Core.Accounts;
using OtpFast.Core.IO;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Transactions;
using OtpFast.Server.Accounts;
using OtpFast.Server.Api;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Hosting;

/// <summary>Builds the server: configuration, accounts, store, and the one request pipeline.</summary>
internal static class ServerHost
{
    private const string HostLogCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <param name="configure">Lets tests add configuration or swap the server before it is read.</param>
    /// <param name="console">Where the first-run key banner goes (standard output by default).</param>
    /// <exception cref="StartupException">Configuration, the data directory or the accounts file is unusable, or another server holds the data directory.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, TextWriter? console = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);

        // The slim builder leaves TLS out; this takes https:// URLs and certificates the standard
        // way (Kestrel:Certificates:Default:Path and KeyPath, PEM or PFX; Kestrel:Endpoints).
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = ServerOptions.Defaults });
        builder.Configuration.AddEnvironmentVariables(SettingNames.EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args, ServerOptions.SwitchMappings);
        configure?.Invoke(builder);

        HostSettingsCheck.Check(builder.Configuration);

        // A start that fails (a port in use) is reported by the caller in one line; the host would
        // also log it as an error with the stack trace. Its errors are logged once it has started.
        var started = new StrongBox<bool>();
        builder.Logging.AddFilter(HostLogCategory, level => level >= LogLevel.Information && (started.Value || level < LogLevel.Error));

        ServerOptions options = ServerOptions.Read(builder.Configuration);
        InlineRequests.Apply(options);

        // The slim builder fixes the console formatter to "simple" after configuration is bound,
        // so the configured one (--log-format json) is set again last.
        builder.Services.PostConfigure<ConsoleLoggerOptions>(console => console.FormatterName = options.LogFormat);

        // One process per data directory: locked before anything in it is read or written. The
        // container disposes what its factories made, so the lock comes from one and is resolved
        // here: it is released when the app is disposed, after ApplicationStopped saved the snapshot.
        DataDirLock dataDirLock = StartupFailure.LockDataDir(options.DataDir);
        builder.Services.AddSingleton(_ => dataDirLock);
        bool built = false;
        try
        {
            WebApplication app = Build(builder, options, console);
            app.Lifetime.ApplicationStarted.Register(() => started.Value = true);
            built = true;
            return app;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StartupFailure.FromIo(e, options.DataDir);
        }
        finally
        {
            if (!built)
            {
                dataDirLock.Dispose();
            }
        }
    }

    private static WebApplication Build(WebApplicationBuilder builder, ServerOptions options, TextWriter? console)
    {
        string accountsPath = AccountsFile.PathIn(options.DataDir);
        AccountDirectory accounts;
        try
        {
            if (!File.Exists(accountsPath))
            {
                FirstRun.CreateDefaultAccount(accountsPath, builder.Configuration["Urls"], CliInvocation.Current, console ?? Console.Out);
            }

            accounts = AccountsFile.Load(accountsPath);
        }
        catch (AccountsFileException e)
        {
            throw StartupFailure.FromAccounts(e);
        }

        // Made here, not by the container: Kestrel's endpoints take the connection gate before it is built.
        var metrics = new ApiMetrics();
        var gate = new ConnectionGate(options, metrics);
        builder.WebHost.ConfigureKestrel(kestrel => KestrelLimits.Apply(kestrel, options, gate));

        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new AccountsHolder(accounts));
        builder.Services.AddSingleton<NodeCount>();
        builder.Services.AddSingleton(sp => new AccountRateLimiter(options.DefaultAccountRatePerSecond, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<NodeCount>()));
        if (options.Store == StoreKind.Redis)
        {
            try
            {
                accounts = RedisStoreHosting.EnsureDeploymentSecret(accountsPath, accounts, console ?? Console.Out);
            }
            catch (AccountsFileException e)
            {
                throw StartupFailure.FromAccounts(e);
            }

            RedisStoreHosting.AddTo(builder.Services, options, accounts.DeploymentSecret!.Value);
        }
        else
        {
            InMemoryStoreService.AddTo(builder.Services, options);
        }

        builder.Services.AddSingleton(sp => new TransactionIdGenerator(options.NodeId, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(_ => metrics);
        builder.Services.AddSingleton<BoundedBodyReader>();
        builder.Services.AddSingleton<AccountGate>();
        builder.Services.AddSingleton<RequestOneTimeCode>();
        builder.Services.AddSingleton<VerifyOneTimeCode>();
        if (options.Metrics)
        {
            builder.Services.AddSingleton(sp => new PrometheusExporter(metrics, sp.GetRequiredService<IMeterFactory>()));
        }

        builder.Services.AddSingleton(sp => new Dispatcher(
            sp.GetRequiredService<RequestOneTimeCode>(),
            sp.GetRequiredService<VerifyOneTimeCode>(),
            metrics,
            sp.GetService<PrometheusExporter>(),
            sp.GetRequiredService<IOtpStore>(),
            sp.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddHostedService(sp => new AccountsReloader(
            accountsPath,
            sp.GetRequiredService<AccountsHolder>(),
            sp.GetRequiredService<ILogger<AccountsReloader>>(),
            TimeSpan.FromMilliseconds(options.AccountsReloadMilliseconds)));

        WebApplication app = builder.Build();
        app.Run(app.Services.GetRequiredService<Dispatcher>().DispatchAsync);
        metrics.ObserveState(app.Services.GetService<ShardedOtpStore>(), app.Services.GetRequiredService<AccountsHolder>());

        // The container disposes singletons in the reverse order they were made: the lock first,
        // so it is released last, after the journal. The store is opened (snapshot + journal
        // replayed) before the server listens, so a start-up that cannot read or journal its
        // pairs fails here, not on the first request.
        _ = app.Services.GetRequiredService<DataDirLock>();
        _ = app.Services.GetRequiredService<IOtpStore>();
        return app;
    }
}
