using System.Runtime.CompilerServices;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// A shard's tombstones (used, locked and expired entries) in the order they died, oldest
/// first, so the oldest can give way when the store is full.
/// </summary>
/// <remarks>
/// Intrusive and doubly linked, so append and removal are O(1) with no memory of its own: a
/// dead entry's code is wiped (it can never be compared again, and should not linger in
/// memory) and its <see cref="PairEntry.Code"/> word holds the two links. Links are index + 1.
/// </remarks>
internal sealed class TombstoneList(PairTable table)
{
    private int _head;
    private int _tail;

    public int Count { get; private set; }

    /// <summary>The entry that died first, or -1.</summary>
    public int Oldest => _head - 1;

    /// <summary>Wipes the entry's code and links it as the newest tombstone.</summary>
    public void Append(int index)
    {
        ref PairEntry entry = ref table[index];
        entry.Code = default;
        ref Links links = ref LinksOf(ref entry);
        links.Prev = _tail;
        links.Next = 0;
        if (_tail != 0)
        {
            LinksOf(ref table[_tail - 1]).Next = index + 1;
        }
        else
        {
            _head = index + 1;
        }

        _tail = index + 1;
        Count++;
    }

    public void Remove(int index)
    {
        ref Links links = ref LinksOf(ref table[index]);
        if (links.Prev != 0)
        {
            LinksOf(ref table[links.Prev - 1]).Next = links.Next;
        }
        else
        {
            _head = links.Next;
        }

        if (links.Next != 0)
        {
            LinksOf(ref table[links.Next - 1]).Prev = links.Prev;
        }
        else
        {
            _tail = links.Prev;
        }

        links = default;
        Count--;
    }

    private static ref Links LinksOf(ref PairEntry entry) => ref Unsafe.As<PackedCode, Links>(ref entry.Code);

    private struct Links
    {
        public int Prev;
        public int Next;
    }
}
