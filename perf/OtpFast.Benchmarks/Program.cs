using BenchmarkDotNet.Running;
using OtpFast.Benchmarks;

// dotnet run -c Release --project perf/OtpFast.Benchmarks -- [--memory N | --redis-memory N host:port | --mass-expiry | --replay N | --fill-snapshot N DATA_DIR | BenchmarkDotNet args]
if (args is ["--memory", var count])
{
    MemoryPerPair.Run(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args is ["--redis-memory", var pairs, var redis])
{
    await RedisMemoryPerPair.RunAsync(int.Parse(pairs, System.Globalization.CultureInfo.InvariantCulture), redis);
    return;
}

if (args is ["--fill-snapshot", var fill, var dataDir])
{
    SnapshotFill.Run(int.Parse(fill, System.Globalization.CultureInfo.InvariantCulture), dataDir);
    return;
}

if (args is ["--mass-expiry"])
{
    MassExpiry.Run();
    return;
}

if (args is ["--replay", var changes])
{
    JournalReplay.Run(int.Parse(changes, System.Globalization.CultureInfo.InvariantCulture));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CodeBenchmarks).Assembly).Run(args);
