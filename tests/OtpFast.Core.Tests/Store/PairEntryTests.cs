using System.Runtime.CompilerServices;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Core.Tests.Store;

public class PairEntryTests
{
    // Issue 12: every pair costs this; a field added without packing must show here first.
    [Fact]
    public void APairEntryIs80Bytes() => Assert.Equal(80, Unsafe.SizeOf<PairEntry>());

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(315_360_000_000L)] // 10 years: MaxSupportedExpirySeconds
    [InlineData(922_337_203_685_477L)] // TimeSpan.MaxValue in ms: the longest tombstone time
    [InlineData(-922_337_203_685_477L)]
    [InlineData((1L << 51) - 2)] // the latest finite deadline held exactly
    [InlineData(-(1L << 51))] // the earliest
    [InlineData(long.MaxValue)] // never
    public void ADeadlineReadsBackAsWrittenWhateverTheFlagsAndLength(long deadline)
    {
        var entry = new PairEntry { Flags = PairFlags.Allocated | PairFlags.InWheel | PairFlags.Expired, OtpLength = 12 };
        entry.Deadline = deadline;
        Assert.Equal(deadline, entry.Deadline);
        Assert.Equal(PairFlags.Allocated | PairFlags.InWheel | PairFlags.Expired, entry.Flags);
        Assert.Equal(12, entry.OtpLength);

        entry.Flags = PairFlags.None;
        entry.OtpLength = 0;
        Assert.Equal(deadline, entry.Deadline);
        entry.Flags = (PairFlags)0xFF;
        entry.OtpLength = 15;
        Assert.Equal(deadline, entry.Deadline);
    }

    // Beyond 71,000 years either way: held at the nearest deadline that fits, never turned into "never".
    [Fact]
    public void AFiniteDeadlineBeyondTheRangeStaysFiniteAndOnItsSide()
    {
        var entry = default(PairEntry);
        entry.Deadline = long.MaxValue - 1;
        Assert.Equal((1L << 51) - 2, entry.Deadline);
        Assert.True(entry.IsLive(now: 1L << 50));
        entry.Deadline = long.MinValue;
        Assert.Equal(-(1L << 51), entry.Deadline);
        Assert.False(entry.IsLive(now: 0));
    }

    [Fact]
    public void FlagsAndLengthDoNotDisturbEachOther()
    {
        var entry = new PairEntry { Deadline = 123_456 };
        for (int length = 0; length <= 12; length++)
        {
            for (int flags = 0; flags < 32; flags++)
            {
                entry.OtpLength = (byte)length;
                entry.Flags = (PairFlags)flags;
                Assert.Equal((length, (PairFlags)flags, 123_456L), (entry.OtpLength, entry.Flags, entry.Deadline));
            }
        }
    }

    [Fact]
    public void LivenessReadsTheFlagsAndTheDeadline()
    {
        var entry = new PairEntry { Flags = PairFlags.Allocated, Deadline = 1000 };
        Assert.True(entry.IsLive(999));
        Assert.False(entry.IsLive(1000));
        entry.Deadline = long.MaxValue;
        Assert.True(entry.IsLive(long.MaxValue - 1));
        entry.Flags |= PairFlags.Used;
        Assert.False(entry.IsLive(0));
        Assert.True(entry.IsDead);
    }

    [Theory]
    [InlineData("1234", "1234", true)]
    [InlineData("1234", "01234", false)]
    [InlineData("1234", "12340", false)]
    [InlineData("01234", "1234", false)]
    [InlineData("01234", "001234", false)]
    [InlineData("0000", "00000", false)]
    [InlineData("0000", "000", false)]
    [InlineData("ABCD", "abcd", true)]
    [InlineData("ABCD", "aBcD", true)]
    [InlineData("ABCD", "ABC", false)]
    [InlineData("ABCD", "ABCDA", false)]
    [InlineData("ZZZZZZZZZZZZ", "ZZZZZZZZZZZZ", true)]
    [InlineData("ZZZZZZZZZZZZ", "ZZZZZZZZZZZZZ", false)]
    public void TheLengthIsComparedWithTheCode(string stored, string sent, bool matches)
    {
        PairEntry entry = WithCode(stored);
        Assert.Equal(matches, entry.CodeMatches(System.Text.Encoding.ASCII.GetBytes(sent)));
    }

    [Fact]
    public void AnyOtherSymbolAtAnyPositionOfAnyLengthDoesNotMatch()
    {
        ReadOnlySpan<byte> alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"u8;
        for (int length = 4; length <= 12; length++)
        {
            byte[] code = new byte[length];
            for (int i = 0; i < length; i++)
            {
                code[i] = alphabet[(i * 7 + length) % 36];
            }

            PairEntry entry = WithCode(code);
            Assert.True(entry.CodeMatches(code));
            for (int position = 0; position < length; position++)
            {
                byte[] near = (byte[])code.Clone();
                foreach (byte other in alphabet)
                {
                    near[position] = other;
                    Assert.Equal(other == code[position], entry.CodeMatches(near));
                }
            }
        }
    }

    private static PairEntry WithCode(string code) => WithCode(System.Text.Encoding.ASCII.GetBytes(code));

    private static PairEntry WithCode(ReadOnlySpan<byte> code) =>
        new() { OtpLength = (byte)code.Length, Code = PackedCode.FromStored(code) };
}
