using OtpFast.Server.Accounts;

namespace OtpFast.Server.Tests.Accounts;

public sealed class RateCellTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(7919)]
    [InlineData(10_000_000)]
    public void OverTenSecondsABurstOfOneSecondThenExactlyTheRate(int rate)
    {
        var cell = new RateCell(rate);
        long allowed = 0;
        for (int ms = 0; ms <= 10_000; ms++)
        {
            while (cell.TryTake(ms / 1000.0))
            {
                allowed++;
            }
        }

        Assert.InRange(allowed, (11L * rate) - 1, (11L * rate) + 1);
    }

    [Fact]
    public void AfterAnIdleSecondTheBurstIsOneSecondsWorthNotMore()
    {
        var cell = new RateCell(15);
        Assert.Equal(15, Drain(cell, 0));
        Assert.Equal(0, Drain(cell, 0.01));
        Assert.Equal(1, Drain(cell, 1.0 / 15));
        Assert.Equal(15, Drain(cell, 60));
    }

    [Fact]
    public void ConcurrentTakersNeverGetMoreThanTheBurst()
    {
        var cell = new RateCell(1000);
        long allowed = 0;
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (cell.TryTake(1.0))
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        });

        Assert.Equal(1000, allowed);
    }

    private static int Drain(RateCell cell, double now)
    {
        int n = 0;
        while (cell.TryTake(now))
        {
            n++;
        }

        return n;
    }
}
