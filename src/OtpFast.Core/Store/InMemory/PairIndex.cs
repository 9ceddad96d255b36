using System.Runtime.CompilerServices;

namespace OtpFast.Core.Store.InMemory;

/// <summary>Which 128-bit key of a <see cref="PairEntry"/> an index looks up, and its chain link.</summary>
internal interface IPairKey
{
    static abstract ulong Low(ref PairEntry entry);

    static abstract ulong High(ref PairEntry entry);

    static abstract ref int Next(ref PairEntry entry);

    /// <summary>Bits of the key that pick the bucket (not the ones that already picked the shard).</summary>
    static abstract int BucketBits(ulong low, ulong high);
}

/// <summary>Looks a pair up by its token.</summary>
internal readonly struct TokenKey : IPairKey
{
    public static ulong Low(ref PairEntry entry) => entry.TokenLow;

    public static ulong High(ref PairEntry entry) => entry.TokenHigh;

    public static ref int Next(ref PairEntry entry) => ref entry.NextByToken;

    public static int BucketBits(ulong low, ulong high) => (int)high;
}

/// <summary>Looks a pair up by the digest of its account and tokenCreator.</summary>
internal readonly struct CreatorKey : IPairKey
{
    public static ulong Low(ref PairEntry entry) => entry.CreatorLow;

    public static ulong High(ref PairEntry entry) => entry.CreatorHigh;

    public static ref int Next(ref PairEntry entry) => ref entry.NextByCreator;

    public static int BucketBits(ulong low, ulong high) => (int)high;
}

/// <summary>
/// A chained hash index over a <see cref="PairTable"/>: a power-of-two bucket array of entry
/// indexes + 1, chained through the entries themselves, so it costs 4-8 bytes per pair.
/// </summary>
internal sealed class PairIndex<TKey>
    where TKey : IPairKey
{
    private const int InitialBuckets = 256;

    private readonly PairTable _table;
    private int[] _buckets = new int[InitialBuckets];
    private int _count;

    public PairIndex(PairTable table) => _table = table;

    public int BucketCount => _buckets.Length;

    /// <summary>The entry index with this key, or -1.</summary>
    public int Find(ulong low, ulong high)
    {
        int[] buckets = _buckets;
        int link = buckets[TKey.BucketBits(low, high) & (buckets.Length - 1)];
        while (link != 0)
        {
            ref PairEntry entry = ref _table[link - 1];
            if (TKey.Low(ref entry) == low && TKey.High(ref entry) == high)
            {
                return link - 1;
            }

            link = TKey.Next(ref entry);
        }

        return -1;
    }

    public void Add(int index)
    {
        if (_count >= _buckets.Length)
        {
            Grow();
        }

        Link(_buckets, index);
        _count++;
    }

    public void Remove(int index)
    {
        ref PairEntry entry = ref _table[index];
        ref int link = ref _buckets[TKey.BucketBits(TKey.Low(ref entry), TKey.High(ref entry)) & (_buckets.Length - 1)];
        while (link != 0)
        {
            if (link == index + 1)
            {
                link = TKey.Next(ref entry);
                TKey.Next(ref entry) = 0;
                _count--;
                return;
            }

            link = ref TKey.Next(ref _table[link - 1]);
        }

        throw new InvalidOperationException("Store invariant broken: entry missing from its index.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        // Long-lived and reference-free, like the entry pages: straight to the pinned object heap.
        int[] buckets = GC.AllocateArray<int>(_buckets.Length * 2, pinned: true);
        foreach (int head in _buckets)
        {
            int link = head;
            while (link != 0)
            {
                int next = TKey.Next(ref _table[link - 1]);
                Link(buckets, link - 1);
                link = next;
            }
        }

        _buckets = buckets;
    }

    private void Link(int[] buckets, int index)
    {
        ref PairEntry entry = ref _table[index];
        ref int head = ref buckets[TKey.BucketBits(TKey.Low(ref entry), TKey.High(ref entry)) & (buckets.Length - 1)];
        TKey.Next(ref entry) = head;
        head = index + 1;
    }
}
