using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

public sealed class JournalRecordTests
{
    [Fact]
    public void AnIssuedRecordReadsBackAsWritten()
    {
        PairEntry entry = SampleEntry();
        entry.CreatorFailures = 513;
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteIssued(bytes, entry, deadlineWall: 1_800_000_000_123, createdWall: 1_799_999_999_000, failuresSinceWall: 1_799_999_998_500);

        Assert.Equal(size, JournalRecord.TryRead(bytes.AsSpan(0, size), out JournalRecordType type, out ReadOnlySpan<byte> payload));
        Assert.Equal(JournalRecordType.Issued, type);
        PairEntry read = JournalRecord.ReadIssued(payload, out long deadline, out long created, out long failuresSince);
        Assert.Equal(1_800_000_000_123, deadline);
        Assert.Equal(1_799_999_999_000, created);
        Assert.Equal(1_799_999_998_500, failuresSince);
        Assert.Equal(513, read.CreatorFailures);
        Assert.Equal((entry.TokenLow, entry.TokenHigh, entry.CreatorLow, entry.CreatorHigh), (read.TokenLow, read.TokenHigh, read.CreatorLow, read.CreatorHigh));
        Assert.Equal(entry.AccountId, read.AccountId);
        Assert.Equal(entry.OtpLength, read.OtpLength);
        Assert.Equal(entry.Code, read.Code);
    }

    // The entry packs its code; the record keeps it as 12 ASCII bytes after its length, zeros after the code.
    [Fact]
    public void AnIssuedRecordHoldsTheCodeAsAscii()
    {
        byte[] bytes = new byte[JournalRecord.MaxSize];
        bytes.AsSpan().Fill(0xEE);
        JournalRecord.WriteIssued(bytes, SampleEntry(), 1, 2, 3);
        Assert.Equal(6, bytes[2 + 52]);
        Assert.Equal("A1B2C3\0\0\0\0\0\0"u8.ToArray(), bytes.AsSpan(2 + 53, 12).ToArray());
    }

    [Fact]
    public void AStateRecordReadsBackAsWritten()
    {
        PairEntry entry = SampleEntry();
        entry.WrongAttempts = 4;
        entry.CreatorFailures = 19;
        entry.Flags = PairFlags.Allocated | PairFlags.InWheel | PairFlags.Locked | PairFlags.Expired;
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteState(bytes, entry, long.MaxValue, failuresSinceWall: 1_700_000_000_000);

        Assert.Equal(size, JournalRecord.TryRead(bytes.AsSpan(0, size), out JournalRecordType type, out ReadOnlySpan<byte> payload));
        Assert.Equal(JournalRecordType.State, type);
        UInt128 token = JournalRecord.ReadState(payload, out int attempts, out PairFlags flags, out long deadline, out int failures, out long failuresSince);
        Assert.Equal(new UInt128(entry.TokenHigh, entry.TokenLow), token);
        Assert.Equal(4, attempts);
        Assert.Equal(PairFlags.Locked | PairFlags.Expired, flags);
        Assert.Equal(long.MaxValue, deadline);
        Assert.Equal(19, failures);
        Assert.Equal(1_700_000_000_000, failuresSince);
    }

    // A journal written before the creator failure count existed must still replay.
    [Fact]
    public void RecordsOfTheFirstLayoutStillReadWithNoFailuresCounted()
    {
        PairEntry entry = SampleEntry();
        entry.CreatorFailures = 7;
        byte[] issued = FirstLayout(JournalRecordType.Issued, JournalRecord.IssuedPayloadWithoutFailures, bytes => JournalRecord.WriteIssued(bytes, entry, 10, 20, 30));
        byte[] state = FirstLayout(JournalRecordType.State, JournalRecord.StatePayloadWithoutFailures, bytes => JournalRecord.WriteState(bytes, entry, 40, 50));

        Assert.Equal(issued.Length, JournalRecord.TryRead(issued, out JournalRecordType type, out ReadOnlySpan<byte> payload));
        Assert.Equal(JournalRecordType.Issued, type);
        PairEntry read = JournalRecord.ReadIssued(payload, out long deadline, out _, out _);
        Assert.Equal((10L, (ushort)0, entry.TokenLow), (deadline, read.CreatorFailures, read.TokenLow));

        Assert.Equal(state.Length, JournalRecord.TryRead(state, out type, out payload));
        Assert.Equal(JournalRecordType.State, type);
        JournalRecord.ReadState(payload, out _, out _, out deadline, out int failures, out _);
        Assert.Equal((40L, 0), (deadline, failures));
    }

    [Fact]
    public void EveryCutOfARecordReadsAsTornNotAsARecord()
    {
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteIssued(bytes, SampleEntry(), 1, 2, 3);
        for (int cut = 0; cut < size; cut++)
        {
            Assert.Equal(0, JournalRecord.TryRead(bytes.AsSpan(0, cut), out _, out _));
        }
    }

    [Fact]
    public void EveryFlippedBitMakesARecordCorrupt()
    {
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteState(bytes, SampleEntry(), 42, 43);
        for (int bit = 0; bit < size * 8; bit++)
        {
            byte[] copy = bytes[..size];
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(-1, JournalRecord.TryRead(copy, out _, out _));
        }
    }

    // The record as the first layout framed it: the same fields, the failure count cut off, resealed.
    private static byte[] FirstLayout(JournalRecordType type, int payload, Func<byte[], int> write)
    {
        byte[] full = new byte[JournalRecord.MaxSize];
        write(full);
        byte[] record = new byte[JournalRecord.FrameOverhead + payload];
        full.AsSpan(0, 2 + payload).CopyTo(record);
        record[0] = (byte)type;
        record[1] = (byte)payload;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(record.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(record.AsSpan(0, record.Length - 4)));
        return record;
    }

    private static PairEntry SampleEntry()
    {
        var entry = new PairEntry
        {
            TokenLow = 0x0123456789ABCDEF,
            TokenHigh = 0xFEDCBA9876543210,
            CreatorLow = 0x1111222233334444,
            CreatorHigh = 0x5555666677778888,
            AccountId = 7,
            OtpLength = 6,
            Code = PackedCode.FromStored("A1B2C3"u8),
        };
        return entry;
    }
}
