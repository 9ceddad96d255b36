using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Transactions;

namespace OtpFast.Core.Tests.Transactions;

public class TransactionIdGeneratorTests
{
    [Fact]
    public void IdsAreDecimalDigitsAndStrictlyIncreasing()
    {
        var ids = new TransactionIdGenerator(7, TimeProvider.System);
        long previous = 0;
        Span<byte> text = stackalloc byte[TransactionIdGenerator.MaxDigits];
        for (int i = 0; i < 100_000; i++)
        {
            int n = ids.WriteNext(text);
            string s = Encoding.ASCII.GetString(text[..n]);
            Assert.Matches("^[0-9]+$", s);
            long value = long.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(value > previous);
            Assert.Equal(7, value & 1023);
            previous = value;
        }
    }

    [Fact]
    public void TwoNodesOnTheSameClockNeverCollide()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var a = new TransactionIdGenerator(1, time);
        var b = new TransactionIdGenerator(2, time);
        var seen = new HashSet<long>();
        for (int i = 0; i < 20_000; i++)
        {
            Assert.True(seen.Add(a.Next()));
            Assert.True(seen.Add(b.Next()));
        }
    }

    [Fact]
    public void ARestartLaterOnTheSameNodeContinuesAboveEarlierIds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var first = new TransactionIdGenerator(3, time);
        var before = Enumerable.Range(0, 5000).Select(_ => first.Next()).ToList();

        // 5000 ids in one frozen millisecond borrowed 1 ms of future; a restart 2 ms later is clear of them.
        time.Advance(TimeSpan.FromMilliseconds(2));
        var second = new TransactionIdGenerator(3, time);
        Assert.True(second.Next() > before.Max());
    }

    [Fact]
    public void AClockSteppedBackDoesNotRepeatIds()
    {
        var time = new WallClock { Now = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero) };
        var ids = new TransactionIdGenerator(0, time);
        long last = ids.Next();
        time.Now = time.Now.AddMinutes(-5);
        Assert.True(ids.Next() > last);
    }

    [Fact]
    public void ConcurrentCallersGetUniqueIds()
    {
        var ids = new TransactionIdGenerator(5, TimeProvider.System);
        var all = new System.Collections.Concurrent.ConcurrentBag<long>();
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                all.Add(ids.Next());
            }
        });
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void EachThreadsIdsStrictlyIncreaseUnderContention()
    {
        var ids = new TransactionIdGenerator(5, TimeProvider.System);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, t =>
        {
            long previous = 0;
            for (int i = 0; i < 50_000; i++)
            {
                long id = ids.Next();
                if (id <= previous)
                {
                    failures.Add($"thread {t}: {id} after {previous}");
                }

                previous = id;
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void AnIdMadeInALaterMillisecondOnAnotherThreadIsLarger()
    {
        // Thread A holds a block reserved in an earlier millisecond, most of it unused: once the
        // clock has moved on, its next id must still come after B's id of the later millisecond.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var ids = new TransactionIdGenerator(4, time);
        using var reserved = new SemaphoreSlim(0);
        using var goOn = new SemaphoreSlim(0);
        long aFirst = 0, aLater = 0;
        var a = new Thread(() =>
        {
            aFirst = ids.Next();
            reserved.Release();
            goOn.Wait();
            aLater = ids.Next();
        });
        a.Start();
        reserved.Wait();
        time.Advance(TimeSpan.FromMilliseconds(2));
        long b = RunOnNewThread(ids.Next);
        time.Advance(TimeSpan.FromMilliseconds(1));
        goOn.Release();
        a.Join();
        Assert.True(b > aFirst);
        Assert.True(aLater > b, $"{aLater} after {b}");
    }

    [Fact]
    public void ABlockIsGivenUpWhenTheClockPassesIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var ids = new TransactionIdGenerator(0, time);
        long first = ids.Next();
        time.Advance(TimeSpan.FromMilliseconds(1));
        long second = ids.Next();
        Assert.Equal((first >> 22) + 1, second >> 22);
        Assert.Equal(0, (second >> 10) & 4095);
    }

    [Fact]
    public void NodeIdsOutsideTenBitsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransactionIdGenerator(1024, TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransactionIdGenerator(-1, TimeProvider.System));
    }

    private static long RunOnNewThread(Func<long> next)
    {
        long id = 0;
        var thread = new Thread(() => id = next());
        thread.Start();
        thread.Join();
        return id;
    }

    // FakeTimeProvider refuses to go back in time; a wall clock can (NTP steps).
    private sealed class WallClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
