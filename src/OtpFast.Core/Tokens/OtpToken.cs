using System.Buffers.Binary;
using OtpFast.Core.Codes;

namespace OtpFast.Core.Tokens;

/// <summary>
/// A 128-bit random token, written as 26 characters of RFC 4648 base32 (A-Z, 2-7) without padding.
/// </summary>
/// <remarks>
/// 26 characters carry 130 bits; the last character holds the lowest 3 bits followed by two zero
/// bits. Parsing insists on those zero bits, so every accepted string maps to exactly one token
/// and no string the server could never have issued gets past the parser.
/// </remarks>
public readonly record struct OtpToken(UInt128 Value)
{
    public const int Length = 26;

    private static ReadOnlySpan<byte> Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"u8;

    /// <summary>A token of 128 fresh bits from the CSPRNG.</summary>
    public static OtpToken NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        SecureRandomPool.Fill(bytes);
        return new OtpToken(BinaryPrimitives.ReadUInt128LittleEndian(bytes));
    }

    /// <summary>Writes the 26 ASCII characters of the token into <paramref name="destination"/>.</summary>
    public void Format(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        // Three 40-bit groups of 8 characters each, then the last 8 bits as 5 + 3 (+ 2 zero) bits:
        // three 128-bit shifts instead of twenty-six.
        ReadOnlySpan<byte> alphabet = Alphabet;
        UInt128 v = Value;
        for (int group = 0; group < 3; group++)
        {
            ulong bits = (ulong)(v >> (88 - (40 * group))) & 0xFF_FFFF_FFFF;
            Span<byte> chars = destination.Slice(8 * group, 8);
            for (int i = 0; i < 8; i++)
            {
                chars[i] = alphabet[(int)(bits >> (35 - (5 * i))) & 31];
            }
        }

        int last = (int)(uint)v & 0xFF;
        destination[24] = alphabet[last >> 3];
        destination[25] = alphabet[(last & 7) << 2];
    }

    /// <summary>Writes the 26 characters of the token into <paramref name="destination"/>.</summary>
    public void Format(Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        Span<byte> ascii = stackalloc byte[Length];
        Format(ascii);
        for (int i = 0; i < Length; i++)
        {
            destination[i] = (char)ascii[i];
        }
    }

    public override string ToString()
    {
        Span<char> chars = stackalloc char[Length];
        Format(chars);
        return new string(chars);
    }

    /// <summary>Parses a token case-insensitively; false for anything the server could never issue.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out OtpToken token)
    {
        token = default;
        if (utf8.Length != Length)
        {
            return false;
        }

        UInt128 v = 0;
        for (int i = 0; i < Length - 1; i++)
        {
            int d = Decode(utf8[i]);
            if (d < 0)
            {
                return false;
            }

            v = (v << 5) | (uint)d;
        }

        int last = Decode(utf8[Length - 1]);
        if (last < 0 || (last & 3) != 0)
        {
            return false;
        }

        token = new OtpToken((v << 3) | (uint)(last >> 2));
        return true;
    }

    /// <summary>Parses a token given as UTF-16 characters.</summary>
    public static bool TryParse(ReadOnlySpan<char> chars, out OtpToken token)
    {
        token = default;
        if (chars.Length != Length)
        {
            return false;
        }

        Span<byte> ascii = stackalloc byte[Length];
        for (int i = 0; i < Length; i++)
        {
            char c = chars[i];
            if (c > 127)
            {
                return false;
            }

            ascii[i] = (byte)c;
        }

        return TryParse(ascii, out token);
    }

    private static int Decode(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a',
        >= (byte)'2' and <= (byte)'7' => c - '2' + 26,
        _ => -1,
    };
}
