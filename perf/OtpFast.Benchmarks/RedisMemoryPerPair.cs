using System.Globalization;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.Redis;
using StackExchange.Redis;

namespace OtpFast.Benchmarks;

/// <summary>
/// Redis <c>used_memory</c> growth per pair: issues N pairs (expiry 600 s) into an empty
/// server (start one of your own: the figure is the whole server's), reads INFO memory before
/// and after. Also prints the mean time per issue with 256 calls in flight.
/// </summary>
internal static class RedisMemoryPerPair
{
    public static async Task RunAsync(int pairs, string configuration)
    {
        await using RedisOtpStore store = await RedisOtpStore.ConnectAsync(
            new RedisStoreOptions { Configuration = configuration, Timeout = TimeSpan.FromSeconds(5) }, new OtpStoreOptions(), TimeProvider.System);
        IServer server = store.Multiplexer.GetServers()[0];
        long before = await UsedMemoryAsync(server);
        const int InFlight = 256;
        var running = new Task[InFlight];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int next = -1;
        for (int w = 0; w < InFlight; w++)
        {
            running[w] = Task.Run(async () =>
            {
                byte[] creator = new byte[32];
                int i;
                while ((i = Interlocked.Increment(ref next)) < pairs)
                {
                    int length = System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"u{i}@example.com"), creator);
                    IssueResult result = await store.IssueAsync(new IssueRequest(1, store.DigestCreator(1, creator.AsSpan(0, length)), CodeType.Num, 6, 600, false));
                    if (result.Status != IssueStatus.Created)
                    {
                        throw new InvalidOperationException($"issue {i}: {result.Status}");
                    }
                }
            });
        }

        await Task.WhenAll(running);
        double seconds = clock.Elapsed.TotalSeconds;
        long after = await UsedMemoryAsync(server);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine={store.Engine} pairs={pairs:N0} used_memory_growth={(after - before) / 1048576.0:F1} MiB bytes_per_pair={(after - before) / (double)pairs:F1} (goal <= 340) issues_per_s={pairs / seconds:F0}"));
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        foreach (IGrouping<string, KeyValuePair<string, string>> group in await server.InfoAsync("memory"))
        {
            foreach (KeyValuePair<string, string> pair in group)
            {
                if (pair.Key == "used_memory")
                {
                    return long.Parse(pair.Value, CultureInfo.InvariantCulture);
                }
            }
        }

        throw new InvalidOperationException("INFO memory has no used_memory");
    }
}
