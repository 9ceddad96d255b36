using System.Buffers.Binary;

namespace OtpFast.Core.Store.Redis;

/// <summary>
/// The packed string a pair is kept as in Redis (one key per account + tokenCreator), as the
/// Lua scripts read and write it; this type mirrors them for tests and diagnostics.
/// </summary>
/// <remarks>
/// Little-endian, 28 bytes + the code (at most 40, so Redis keeps it as one embedded string
/// allocation): nonce (4: the token's random part, see <see cref="TokenCipher"/>), account id
/// (4), state (2: flags * 16384 + wrong attempts; flags 0 live, 1 used, 2 locked), time (6: a
/// live pair's deadline in Unix ms, 0 = never; a used or locked tombstone's keep-until),
/// created (5: Unix tenths of a second, for the resend cooldown), creator failures (2) and the
/// tenth they started (5), then the code (live pairs only: tombstones drop it).
/// </remarks>
internal readonly record struct PairValue(uint Nonce, int AccountId, byte Flags, int Attempts, long Time, long CreatedTenths, int Failures, long FailuresSinceTenths, string Code)
{
    public const int HeaderLength = 28;
    public const int StateUnit = 16384;
    public const byte Live = 0;
    public const byte Used = 1;
    public const byte Locked = 2;

    public byte[] Pack()
    {
        byte[] bytes = new byte[HeaderLength + Code.Length];
        Span<byte> s = bytes;
        BinaryPrimitives.WriteUInt32LittleEndian(s, Nonce);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], AccountId);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], (ushort)((Flags * StateUnit) + Attempts));
        WriteUnsigned(s.Slice(10, 6), Time);
        WriteUnsigned(s.Slice(16, 5), CreatedTenths);
        BinaryPrimitives.WriteUInt16LittleEndian(s[21..], (ushort)Failures);
        WriteUnsigned(s.Slice(23, 5), FailuresSinceTenths);
        for (int i = 0; i < Code.Length; i++)
        {
            s[HeaderLength + i] = (byte)Code[i];
        }

        return bytes;
    }

    public static PairValue Unpack(ReadOnlySpan<byte> s)
    {
        if (s.Length < HeaderLength)
        {
            throw new ArgumentException("A packed pair holds at least 28 bytes.", nameof(s));
        }

        int state = BinaryPrimitives.ReadUInt16LittleEndian(s[8..]);
        return new PairValue(
            BinaryPrimitives.ReadUInt32LittleEndian(s),
            BinaryPrimitives.ReadInt32LittleEndian(s[4..]),
            (byte)(state / StateUnit),
            state % StateUnit,
            ReadUnsigned(s.Slice(10, 6)),
            ReadUnsigned(s.Slice(16, 5)),
            BinaryPrimitives.ReadUInt16LittleEndian(s[21..]),
            ReadUnsigned(s.Slice(23, 5)),
            System.Text.Encoding.ASCII.GetString(s[HeaderLength..]));
    }

    private static void WriteUnsigned(Span<byte> destination, long value)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)(value >> (8 * i));
        }
    }

    private static long ReadUnsigned(ReadOnlySpan<byte> source)
    {
        long value = 0;
        for (int i = source.Length - 1; i >= 0; i--)
        {
            value = (value << 8) | source[i];
        }

        return value;
    }
}
