namespace OtpFast.Core.Store.InMemory;

/// <summary>Paged storage of <see cref="PairEntry"/> with a free list, owned by one shard.</summary>
/// <remarks>
/// Pages of 1024 entries grow without copying the entries already stored, so a growing shard
/// never holds its lock for a large copy. Pages live on the pinned object heap: they hold no
/// references and live as long as the store, so there is no point in the GC copying them from
/// generation 0 to 1 to 2 as it would a young array (which showed in the store load scenario).
/// </remarks>
internal sealed class PairTable
{
    private const int PageShift = 10;
    private const int PageSize = 1 << PageShift;
    private const int PageMask = PageSize - 1;

    private PairEntry[][] _pages = new PairEntry[1][];
    private int _highWater;
    private int _freeHead;

    /// <summary>Entries allocated now.</summary>
    public int Count { get; private set; }

    /// <summary>One past the highest index ever allocated: every allocated entry is below it.</summary>
    public int HighWater => _highWater;

    public ref PairEntry this[int index] => ref _pages[index >> PageShift][index & PageMask];

    public int Allocate()
    {
        int index;
        if (_freeHead != 0)
        {
            index = _freeHead - 1;
            _freeHead = this[index].NextByToken;
        }
        else
        {
            index = _highWater++;
            int page = index >> PageShift;
            if (page == _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
            }

            _pages[page] ??= GC.AllocateArray<PairEntry>(PageSize, pinned: true);
        }

        ref PairEntry entry = ref this[index];
        entry = default;
        entry.Flags = PairFlags.Allocated;
        Count++;
        return index;
    }

    public void Free(int index)
    {
        ref PairEntry entry = ref this[index];
        entry = default;
        entry.NextByToken = _freeHead;
        _freeHead = index + 1;
        Count--;
    }
}
