using System.Buffers.Binary;
using System.IO.Hashing;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>The kinds of change the journal records.</summary>
internal enum JournalRecordType : byte
{
    /// <summary>A new pair; it replaces any pair the same account + tokenCreator held.</summary>
    Issued = 1,

    /// <summary>A pair's wrong attempts, used/locked flags, deadline and creator failures, as absolute values.</summary>
    State = 2,
}

/// <summary>
/// One journal record: <c>[type:1][payload length:1][payload][CRC-32 of the preceding bytes:4]</c>, little-endian.
/// </summary>
/// <remarks>
/// Every record carries absolute values (a pair's whole content, or its attempt count, flags and
/// deadline as they now are), never deltas, so replaying a record twice, or a run of records
/// over a snapshot that already holds their effect, leaves the same store. Times are wall-clock
/// Unix milliseconds (<see cref="long.MaxValue"/> = never): the monotonic clock does not survive a restart.
/// The payload length tells a record's layout: the first layouts (without the creator's failed-verify
/// count, which was added after them) are still read, with a count of 0.
/// </remarks>
internal static class JournalRecord
{
    public const int FrameOverhead = 2 + 4;
    public const int IssuedPayloadWithoutFailures = 16 + 16 + 4 + 8 + 8 + 1 + 12;
    public const int StatePayloadWithoutFailures = 16 + 2 + 1 + 8;
    public const int IssuedPayload = IssuedPayloadWithoutFailures + 2 + 8;
    public const int StatePayload = StatePayloadWithoutFailures + 2 + 8;
    public const int IssuedSize = FrameOverhead + IssuedPayload;
    public const int StateSize = FrameOverhead + StatePayload;
    public const int MaxSize = IssuedSize;

    /// <summary>Writes an Issued record for <paramref name="entry"/>; returns its size.</summary>
    public static int WriteIssued(Span<byte> destination, in PairEntry entry, long deadlineWall, long createdWall, long failuresSinceWall)
    {
        Span<byte> r = destination[..IssuedSize];
        r[0] = (byte)JournalRecordType.Issued;
        r[1] = IssuedPayload;
        Span<byte> p = r[2..];
        BinaryPrimitives.WriteUInt64LittleEndian(p, entry.TokenLow);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], entry.TokenHigh);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], entry.CreatorLow);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], entry.CreatorHigh);
        BinaryPrimitives.WriteInt32LittleEndian(p[32..], entry.AccountId);
        BinaryPrimitives.WriteInt64LittleEndian(p[36..], deadlineWall);
        BinaryPrimitives.WriteInt64LittleEndian(p[44..], createdWall);
        p[52] = entry.OtpLength;

        // The record keeps the code as 12 ASCII bytes, zero after the code, as before it was packed.
        Span<byte> otp = p.Slice(53, Codes.CodeAlphabet.MaxLength);
        otp.Clear();
        entry.Code.CopyTo(otp[..entry.OtpLength]);
        WriteFailures(p[IssuedPayloadWithoutFailures..], entry, failuresSinceWall);
        Seal(r);
        return IssuedSize;
    }

    /// <summary>Writes a State record for <paramref name="entry"/> as it now is; returns its size.</summary>
    public static int WriteState(Span<byte> destination, in PairEntry entry, long deadlineWall, long failuresSinceWall)
    {
        Span<byte> r = destination[..StateSize];
        r[0] = (byte)JournalRecordType.State;
        r[1] = StatePayload;
        Span<byte> p = r[2..];
        BinaryPrimitives.WriteUInt64LittleEndian(p, entry.TokenLow);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], entry.TokenHigh);
        BinaryPrimitives.WriteUInt16LittleEndian(p[16..], entry.WrongAttempts);
        p[18] = (byte)(entry.Flags & PairFlags.Dead);
        BinaryPrimitives.WriteInt64LittleEndian(p[19..], deadlineWall);
        WriteFailures(p[StatePayloadWithoutFailures..], entry, failuresSinceWall);
        Seal(r);
        return StateSize;
    }

    /// <summary>Reads the record at the start of <paramref name="source"/>.</summary>
    /// <returns>The record's size; 0 when the bytes end before the record does (a torn tail); -1 when it is corrupt.</returns>
    public static int TryRead(ReadOnlySpan<byte> source, out JournalRecordType type, out ReadOnlySpan<byte> payload)
    {
        type = default;
        payload = default;
        if (source.Length < 2)
        {
            return 0;
        }

        type = (JournalRecordType)source[0];
        int expected = source[1];
        bool known = type switch
        {
            JournalRecordType.Issued => expected is IssuedPayload or IssuedPayloadWithoutFailures,
            JournalRecordType.State => expected is StatePayload or StatePayloadWithoutFailures,
            _ => false,
        };
        if (!known)
        {
            return -1;
        }

        int size = FrameOverhead + expected;
        if (source.Length < size)
        {
            return 0;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source[(size - 4)..]) != Crc32.HashToUInt32(source[..(size - 4)]))
        {
            return -1;
        }

        payload = source.Slice(2, expected);
        return size;
    }

    /// <summary>Decodes an Issued payload; times stay wall-clock.</summary>
    public static PairEntry ReadIssued(ReadOnlySpan<byte> p, out long deadlineWall, out long createdWall, out long failuresSinceWall)
    {
        var entry = new PairEntry
        {
            TokenLow = BinaryPrimitives.ReadUInt64LittleEndian(p),
            TokenHigh = BinaryPrimitives.ReadUInt64LittleEndian(p[8..]),
            CreatorLow = BinaryPrimitives.ReadUInt64LittleEndian(p[16..]),
            CreatorHigh = BinaryPrimitives.ReadUInt64LittleEndian(p[24..]),
            AccountId = BinaryPrimitives.ReadInt32LittleEndian(p[32..]),
            OtpLength = Math.Min(p[52], (byte)Codes.CodeAlphabet.MaxLength),
        };
        deadlineWall = BinaryPrimitives.ReadInt64LittleEndian(p[36..]);
        createdWall = BinaryPrimitives.ReadInt64LittleEndian(p[44..]);
        entry.Code = PackedCode.FromStored(p.Slice(53, entry.OtpLength));
        entry.CreatorFailures = ReadFailures(p[IssuedPayloadWithoutFailures..], out failuresSinceWall);
        return entry;
    }

    /// <summary>Decodes a State payload.</summary>
    public static UInt128 ReadState(ReadOnlySpan<byte> p, out int wrongAttempts, out PairFlags flags, out long deadlineWall, out int creatorFailures, out long failuresSinceWall)
    {
        wrongAttempts = BinaryPrimitives.ReadUInt16LittleEndian(p[16..]);
        flags = (PairFlags)p[18] & PairFlags.Dead;
        deadlineWall = BinaryPrimitives.ReadInt64LittleEndian(p[19..]);
        creatorFailures = ReadFailures(p[StatePayloadWithoutFailures..], out failuresSinceWall);
        return new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(p[8..]), BinaryPrimitives.ReadUInt64LittleEndian(p));
    }

    private static void WriteFailures(Span<byte> p, in PairEntry entry, long sinceWall)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(p, entry.CreatorFailures);
        BinaryPrimitives.WriteInt64LittleEndian(p[2..], sinceWall);
    }

    // Empty for a record of the first layout: no failures counted.
    private static ushort ReadFailures(ReadOnlySpan<byte> p, out long sinceWall)
    {
        if (p.IsEmpty)
        {
            sinceWall = 0;
            return 0;
        }

        sinceWall = BinaryPrimitives.ReadInt64LittleEndian(p[2..]);
        return BinaryPrimitives.ReadUInt16LittleEndian(p);
    }

    private static void Seal(Span<byte> record) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[^4..], Crc32.HashToUInt32(record[..^4]));
}
