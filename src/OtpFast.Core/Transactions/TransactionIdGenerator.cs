using System.Buffers.Text;
using OtpFast.Core.Concurrency;

namespace OtpFast.Core.Transactions;

/// <summary>
/// Makes transaction ids unique across restarts and across nodes: a 63-bit number of
/// milliseconds since 2026-01-01 (41 bits), a per-millisecond sequence (12 bits) and the node
/// id (10 bits), printed in decimal.
/// </summary>
/// <remarks>
/// <para>
/// Time and sequence form one counter that only moves forward. A thread does not take its ids
/// from it one by one (a compare-and-swap on one cache line that every request on every core
/// wrote): it reserves a block of <see cref="BlockSize"/> values, max(counter, now &lt;&lt; 12) and
/// the next ones, and hands them out without touching shared memory. A block is given up as
/// soon as the clock has passed it, so every id made at wall-clock millisecond T is at least
/// T &lt;&lt; 12, as before. Blocks never overlap, so ids never repeat within a process; a burst of
/// more than 4096 reserved values in a millisecond borrows from the next millisecond, and a wall
/// clock stepped backwards does not repeat ids. Across restarts, uniqueness rests on the wall
/// clock not stepping back further than the restart took. Different node ids never collide.
/// </para>
/// <para>
/// Order: each thread's ids strictly increase, and an id made in a later millisecond than
/// another is larger unless more than 4096 values were reserved in a millisecond between them.
/// Two threads within one millisecond may hand out their blocks' ids interleaved, so a later
/// id on one thread can be smaller than an earlier one on another: a strict order across
/// threads would need the shared write per id this avoids.
/// </para>
/// </remarks>
public sealed class TransactionIdGenerator
{
    public const int MaxNodeId = 1023;
    public const int MaxDigits = 19;

    /// <summary>Values a thread reserves at a time: 4096 / 32 = 128 reservations a millisecond before a burst borrows ahead.</summary>
    public const int BlockSize = 32;

    private const int NodeBits = 10;
    private const int SequenceBits = 12;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // One block per thread, for the generator that reserved it: another generator used on the
    // same thread (the tests make several) reserves its own.
    [ThreadStatic]
    private static Block? t_block;

    private readonly TimeProvider _time;
    private long _node;

    // Alone on its cache line: written once per block, and the fields read on every call stay clean.
    private PaddedLong _counter;

    public TransactionIdGenerator(int nodeId, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeId, MaxNodeId);
        ArgumentNullException.ThrowIfNull(time);
        _node = nodeId;
        _time = time;
    }

    /// <summary>The node id in every id from now on.</summary>
    public int NodeId => (int)Volatile.Read(ref _node);

    /// <summary>
    /// Moves to another node id: with a shared store the id is leased from the store, and a lease
    /// lost (the store unreachable longer than the lease) is replaced by a new one.
    /// </summary>
    public void MoveToNode(int nodeId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeId, MaxNodeId);
        Volatile.Write(ref _node, nodeId);
    }

    public long Next()
    {
        long floor = (long)(_time.GetUtcNow() - Epoch).TotalMilliseconds << SequenceBits;
        Block block = t_block ??= new Block();
        if (!ReferenceEquals(block.Owner, this) || block.Next >= block.End || block.Next < floor)
        {
            Reserve(block, floor);
        }

        return (block.Next++ << NodeBits) | Volatile.Read(ref _node);
    }

    /// <summary>Writes the next id as ASCII digits; returns the count written.</summary>
    public int WriteNext(Span<byte> destination)
    {
        bool ok = Utf8Formatter.TryFormat(Next(), destination, out int written);
        return ok ? written : throw new ArgumentException("Destination too small for a transaction id.", nameof(destination));
    }

    private void Reserve(Block block, long floor)
    {
        long current = Volatile.Read(ref _counter.Value);
        while (true)
        {
            long start = Math.Max(current, floor);
            long seen = Interlocked.CompareExchange(ref _counter.Value, start + BlockSize, current);
            if (seen == current)
            {
                block.Owner = this;
                block.Next = start;
                block.End = start + BlockSize;
                return;
            }

            current = seen;
        }
    }

    /// <summary>The values [Next, End) a thread may still hand out for <see cref="Owner"/>.</summary>
    private sealed class Block
    {
#pragma warning disable SA1401, CA1051 // Fields: read and bumped on every id.
        public TransactionIdGenerator? Owner;
        public long Next;
        public long End;
#pragma warning restore SA1401, CA1051
    }
}
