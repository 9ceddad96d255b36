namespace OtpFast.Core.Concurrency;

/// <summary>A running total added to per core (see <see cref="Stripes"/>) and summed when read.</summary>
public sealed class StripedCounter
{
    private readonly PaddedLong[] _cells = new PaddedLong[Stripes.Count];

    public void Add(long value) => Interlocked.Add(ref _cells[Stripes.Current].Value, value);

    /// <summary>The total; adds made while it reads may or may not be in it.</summary>
    public long Sum()
    {
        long total = 0;
        for (int i = 0; i < _cells.Length; i++)
        {
            total += Volatile.Read(ref _cells[i].Value);
        }

        return total;
    }
}
