using System.Numerics;

namespace OtpFast.Core.Store.InMemory;

/// <summary>Told by the wheel that an entry's deadline has passed (the wheel has unlinked it).</summary>
internal interface IExpiryHandler
{
    /// <param name="nowMs">The time the wheel is advancing to.</param>
    void OnExpired(int index, long nowMs);
}

/// <summary>
/// A hierarchical timing wheel over a <see cref="PairTable"/>: 7 levels of 64 slots, each level's
/// slot spanning 64 times the one below (power-of-two spans, shift/mask indexing), over ticks of
/// 256 ms. Entries are intrusively double-linked, so insert and cancel are O(1).
/// </summary>
/// <remarks>
/// An entry due at tick d sits at the level of the highest 6-bit digit in which d differs from
/// the wheel's current tick. When the current tick reaches the start of that digit's span, the
/// slot is cascaded: its entries move down a level, until they reach level 0 and expire.
/// 7 levels of 6 bits cover 2^42 ticks (35,000 years), so no deadline overflows the wheel.
/// The wheel only reclaims memory: every read compares the stored deadline itself.
/// </remarks>
internal sealed class ExpiryWheel
{
    /// <summary>Tick length is 2^8 ms = 256 ms.</summary>
    public const int TickShift = 8;

    private const int SlotBits = 6;
    private const int SlotsPerLevel = 1 << SlotBits;
    private const int SlotMask = SlotsPerLevel - 1;
    private const int Levels = 7;

    private readonly PairTable _table;
    private readonly int[] _heads = new int[Levels * SlotsPerLevel];

    /// <summary>The next tick to process: every tick before it has been fully processed.</summary>
    private long _current;

    public ExpiryWheel(PairTable table, long nowMs)
    {
        _table = table;
        _current = TickAtOrBefore(nowMs);
    }

    /// <summary>Entries linked into the wheel.</summary>
    public int Count { get; private set; }

    /// <summary>The tick at which an entry due at <paramref name="deadlineMs"/> may be reclaimed (rounded up).</summary>
    public static long TickAtOrAfter(long deadlineMs) => (deadlineMs + ((1L << TickShift) - 1)) >> TickShift;

    public static long TickAtOrBefore(long nowMs) => nowMs >> TickShift;

    /// <summary>Links entry <paramref name="index"/> by its deadline. The entry must not be linked already.</summary>
    public void Insert(int index)
    {
        ref PairEntry entry = ref _table[index];
        long tick = Math.Max(TickAtOrAfter(entry.Deadline), _current);
        int slot = SlotFor(tick);
        int head = _heads[slot];
        entry.WheelPrev = -(slot + 1);
        entry.WheelNext = head;
        if (head != 0)
        {
            _table[head - 1].WheelPrev = index + 1;
        }

        _heads[slot] = index + 1;
        entry.Flags |= PairFlags.InWheel;
        Count++;
    }

    /// <summary>Unlinks entry <paramref name="index"/>; O(1).</summary>
    public void Remove(int index)
    {
        ref PairEntry entry = ref _table[index];
        int prev = entry.WheelPrev;
        int next = entry.WheelNext;
        if (prev < 0)
        {
            _heads[-prev - 1] = next;
        }
        else
        {
            _table[prev - 1].WheelNext = next;
        }

        if (next != 0)
        {
            _table[next - 1].WheelPrev = prev;
        }

        entry.WheelPrev = 0;
        entry.WheelNext = 0;
        entry.Flags &= ~PairFlags.InWheel;
        Count--;
    }

    /// <summary>
    /// Processes ticks up to the one containing <paramref name="nowMs"/>, handing due entries to
    /// <paramref name="handler"/>, doing at most <paramref name="budget"/> entry moves.
    /// </summary>
    /// <returns>True when caught up; false when the budget ran out (call again to resume).</returns>
    public bool Advance(long nowMs, ref int budget, IExpiryHandler handler)
    {
        long target = TickAtOrBefore(nowMs);
        if (Count == 0)
        {
            // Nothing anywhere: no slot can need a cascade, so the clock may jump.
            _current = Math.Max(_current, target + 1);
            return true;
        }

        while (_current <= target)
        {
            long tick = _current;
            for (int level = Levels - 1; level >= 1; level--)
            {
                if ((tick & ((1L << (SlotBits * level)) - 1)) == 0)
                {
                    int slot = (level * SlotsPerLevel) + (int)((tick >> (SlotBits * level)) & SlotMask);
                    if (!Cascade(slot, ref budget))
                    {
                        return false;
                    }
                }
            }

            int due = (int)(tick & SlotMask);
            while (_heads[due] != 0)
            {
                if (budget <= 0)
                {
                    return false;
                }

                int index = _heads[due] - 1;
                Remove(index);
                handler.OnExpired(index, nowMs);
                budget--;
            }

            _current = tick + 1;
        }

        return true;
    }

    // Moves every entry of a higher-level slot down; the current tick is the start of the slot's
    // span, so each entry lands at a lower level and the loop ends. Resumable: a moved entry is
    // no longer in the slot.
    private bool Cascade(int slot, ref int budget)
    {
        while (_heads[slot] != 0)
        {
            if (budget <= 0)
            {
                return false;
            }

            int index = _heads[slot] - 1;
            Remove(index);
            Insert(index);
            budget--;
        }

        return true;
    }

    private int SlotFor(long tick)
    {
        ulong differing = (ulong)(tick ^ _current);
        int level = differing == 0 ? 0 : (63 - BitOperations.LeadingZeroCount(differing)) / SlotBits;
        return (level * SlotsPerLevel) + (int)((tick >> (SlotBits * level)) & SlotMask);
    }
}
