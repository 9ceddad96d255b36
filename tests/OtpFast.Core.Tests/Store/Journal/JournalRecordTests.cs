using OtpFast.Core.Store;
using OtpFast.Core.Store.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

public sealed class JournalRecordTests
{
    [Fact]
    public void AnIssuedRecordReadsBackAsWritten()
    {
        PairEntry entry = SampleEntry();
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteIssued(bytes, entry, deadlineWall: 1_800_000_000_123, createdWall: 1_799_999_999_000);

        Assert.Equal(size, JournalRecord.TryRead(bytes.AsSpan(0, size), out JournalRecordType type, out ReadOnlySpan<byte> payload));
        Assert.Equal(JournalRecordType.Issued, type);
        PairEntry read = JournalRecord.ReadIssued(payload, out long deadline, out long created);
        Assert.Equal(1_800_000_000_123, deadline);
        Assert.Equal(1_799_999_999_000, created);
        Assert.Equal((entry.TokenLow, entry.TokenHigh, entry.CreatorLow, entry.CreatorHigh), (read.TokenLow, read.TokenHigh, read.CreatorLow, read.CreatorHigh));
        Assert.Equal(entry.AccountId, read.AccountId);
        Assert.Equal(entry.OtpLength, read.OtpLength);
        ReadOnlySpan<byte> expectedOtp = entry.Otp;
        ReadOnlySpan<byte> readOtp = read.Otp;
        Assert.True(expectedOtp.SequenceEqual(readOtp));
    }

    [Fact]
    public void AStateRecordReadsBackAsWritten()
    {
        PairEntry entry = SampleEntry();
        entry.WrongAttempts = 4;
        entry.Flags = PairFlags.Allocated | PairFlags.InWheel | PairFlags.Locked;
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteState(bytes, entry, long.MaxValue);

        Assert.Equal(size, JournalRecord.TryRead(bytes.AsSpan(0, size), out JournalRecordType type, out ReadOnlySpan<byte> payload));
        Assert.Equal(JournalRecordType.State, type);
        UInt128 token = JournalRecord.ReadState(payload, out int attempts, out PairFlags flags, out long deadline);
        Assert.Equal(new UInt128(entry.TokenHigh, entry.TokenLow), token);
        Assert.Equal(4, attempts);
        Assert.Equal(PairFlags.Locked, flags);
        Assert.Equal(long.MaxValue, deadline);
    }

    [Fact]
    public void EveryCutOfARecordReadsAsTornNotAsARecord()
    {
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteIssued(bytes, SampleEntry(), 1, 2);
        for (int cut = 0; cut < size; cut++)
        {
            Assert.Equal(0, JournalRecord.TryRead(bytes.AsSpan(0, cut), out _, out _));
        }
    }

    [Fact]
    public void EveryFlippedBitMakesARecordCorrupt()
    {
        byte[] bytes = new byte[JournalRecord.MaxSize];
        int size = JournalRecord.WriteState(bytes, SampleEntry(), 42);
        for (int bit = 0; bit < size * 8; bit++)
        {
            byte[] copy = bytes[..size];
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(-1, JournalRecord.TryRead(copy, out _, out _));
        }
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
        };
        "A1B2C3"u8.CopyTo(entry.Otp);
        return entry;
    }
}
