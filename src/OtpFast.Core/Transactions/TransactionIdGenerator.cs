using System.Buffers.Text;

namespace OtpFast.Core.Transactions;

/// <summary>
/// Makes transaction ids unique across restarts and across nodes: a 63-bit number of
/// milliseconds since 2026-01-01 (41 bits), a per-millisecond sequence (12 bits) and the node
/// id (10 bits), printed in decimal.
/// </summary>
/// <remarks>
/// Time and sequence form one counter that only moves forward: each id takes
/// max(previous + 1, now &lt;&lt; 12). A burst of more than 4096 ids in a millisecond borrows from the
/// next millisecond, and a wall clock stepped backwards does not repeat ids within a process.
/// Across restarts, uniqueness rests on the wall clock not stepping back further than the
/// restart took. Different node ids never collide.
/// </remarks>
public sealed class TransactionIdGenerator
{
    public const int MaxNodeId = 1023;
    public const int MaxDigits = 19;
    private const int NodeBits = 10;
    private const int SequenceBits = 12;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider _time;
    private long _node;
    private long _counter;

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
        long current = Volatile.Read(ref _counter);
        while (true)
        {
            long next = Math.Max(current + 1, floor);
            long seen = Interlocked.CompareExchange(ref _counter, next, current);
            if (seen == current)
            {
                return (next << NodeBits) | Volatile.Read(ref _node);
            }

            current = seen;
        }
    }

    /// <summary>Writes the next id as ASCII digits; returns the count written.</summary>
    public int WriteNext(Span<byte> destination)
    {
        bool ok = Utf8Formatter.TryFormat(Next(), destination, out int written);
        return ok ? written : throw new ArgumentException("Destination too small for a transaction id.", nameof(destination));
    }
}
