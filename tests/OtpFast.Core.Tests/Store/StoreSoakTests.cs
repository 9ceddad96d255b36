using System.Collections.Concurrent;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Tests.Store;

public class StoreSoakTests
{
    [Fact]
    public void ConcurrentRequestVerifyAndReCreateNeverVerifyAPairTwiceOrLeak()
    {
        var f = new StoreFixture(maxLivePairs: 1_000_000, shards: 8);
        var verified = new ConcurrentDictionary<OtpToken, int>();
        var issuedBy = new ConcurrentDictionary<OtpToken, (int Account, string Creator, string Otp)>();
        int threads = Math.Max(4, Environment.ProcessorCount * 2);
        var stopAt = DateTime.UtcNow.AddSeconds(3);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            var mine = new List<OtpToken>();
            while (DateTime.UtcNow < stopAt)
            {
                int account = random.Next(1, 4);
                string creator = "user" + random.Next(0, 200);
                switch (random.Next(0, 4))
                {
                    case 0:
                    case 1:
                        var issued = f.Issue(account, creator, random.Next(0, 3), reCreate: random.Next(0, 2) == 0);
                        issuedBy.TryAdd(issued.Token, (account, creator, issued.Otp));
                        mine.Add(issued.Token);
                        break;
                    default:
                        if (mine.Count == 0)
                        {
                            break;
                        }

                        OtpToken token = mine[random.Next(mine.Count)];
                        var (acc, _, otp) = issuedBy[token];
                        if (f.Verify(acc, token, otp) == VerifyOutcome.Verified)
                        {
                            verified.AddOrUpdate(token, 1, (_, n) => n + 1);
                        }

                        break;
                }
            }
        })).ToList();

        // The fake clock moves while the workers run, so pairs expire mid-soak.
        workers.ForEach(w => w.Start());
        while (workers.Exists(w => w.IsAlive))
        {
            f.Time.Advance(TimeSpan.FromMilliseconds(100));
            f.Store.AdvanceExpiry(256);
            Thread.Sleep(5);
        }

        Assert.All(verified.Values, count => Assert.Equal(1, count));
        Assert.NotEmpty(verified);

        // At most one live pair per account + tokenCreator: re-asking without reCreate returns it.
        var live = issuedBy.Where(p => f.Verify(p.Value.Account, p.Key, "!!!!") == VerifyOutcome.Mismatch)
            .GroupBy(p => (p.Value.Account, p.Value.Creator))
            .ToList();
        Assert.All(live, g => Assert.Single(g));
        Assert.Equal(f.Store.CountEntries(), f.Store.LiveCount);

        // Consume what has no expiry; then everything expires or leaves as a tombstone: nothing leaks.
        foreach (var (token, (account, _, otp)) in issuedBy)
        {
            f.Verify(account, token, otp);
        }

        f.AdvanceAndReclaim(TimeSpan.FromHours(1));
        f.AssertConsistent(0);
        Assert.Equal(0, f.Store.CountWheelEntries());
    }
}
