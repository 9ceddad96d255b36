namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// A code as the store keeps it: its symbols (<c>0-9A-Z</c>) read as one base-36 number, in
/// 8 bytes where the ASCII took 12, so that a <see cref="PairEntry"/> fits in 80 bytes.
/// </summary>
/// <remarks>
/// 36^12 &lt; 2^63, so any code of up to <see cref="Codes.CodeAlphabet.MaxLength"/> symbols
/// stays below bit 63. The number alone cannot tell "0123" from "123": the length is kept
/// beside it (<see cref="PairEntry.OtpLength"/>) and compared first, as it was with the bytes.
/// Bit 63 is the mark of a code that cannot be a stored one: a sent code with a byte outside
/// the alphabet packs with it set, so it matches nothing; <see cref="Unmatchable"/> (all bits
/// set, which no sent code packs to) stands for a code read from a file that is not in the
/// alphabet, which no file this server writes holds.
/// </remarks>
internal readonly struct PackedCode : IEquatable<PackedCode>
{
    /// <summary>A stored code that no sent code matches.</summary>
    public static readonly PackedCode Unmatchable = new(ulong.MaxValue);

    private const ulong NotInAlphabet = 1UL << 63;

    private readonly ulong _value;

    private PackedCode(ulong value) => _value = value;

    /// <summary>False for <see cref="Unmatchable"/>: there is no code to hand out.</summary>
    public bool CanMatch => _value != ulong.MaxValue;

    /// <summary>Packs a code the store issued or read back from its own files: upper case only, as it was generated.</summary>
    /// <remarks>Not constant time (it branches on the result): issuing and loading compare nothing.</remarks>
    public static PackedCode FromStored(ReadOnlySpan<byte> ascii)
    {
        ulong value = Pack(ascii, foldCase: 0);
        return (value & NotInAlphabet) == 0 ? new PackedCode(value) : Unmatchable;
    }

    /// <summary>Packs a code sent to verify: letters in either case, as the bytes were compared before.</summary>
    /// <remarks>
    /// No branch or lookup depends on the bytes, so packing takes the same time for every code
    /// of a length; a byte outside the alphabet only sets bit 63, after which nothing matches.
    /// </remarks>
    public static PackedCode FromSent(ReadOnlySpan<byte> ascii) =>
        new(ascii.Length <= Codes.CodeAlphabet.MaxLength ? Pack(ascii, foldCase: 1) : NotInAlphabet);

    /// <summary>
    /// Whether <paramref name="sent"/> is this code: one 64-bit comparison, so no symbol can end
    /// it earlier than another. The caller compares the lengths too.
    /// </summary>
    public bool Matches(PackedCode sent) => _value == sent._value;

    /// <summary>Writes the code's symbols into all of <paramref name="destination"/> (its length is the code's).</summary>
    /// <remarks>
    /// <see cref="Unmatchable"/> writes zeros, which pack back to it: a snapshot or journal
    /// rewritten from the store cannot turn such a pair into one that verifies.
    /// </remarks>
    public void CopyTo(Span<byte> destination)
    {
        if (!CanMatch)
        {
            destination.Clear();
            return;
        }

        ulong value = _value;
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            int digit = (int)(value % 36);
            value /= 36;

            // 0-9 to '0'-'9', 10-35 to 'A'-'Z' without a branch on the (secret) digit.
            int letter = (9 - digit) >>> 31;
            destination[i] = (byte)('0' + digit + (letter * ('A' - '0' - 10)));
        }
    }

    public bool Equals(PackedCode other) => _value == other._value;

    public override bool Equals(object? obj) => obj is PackedCode other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    // Bit 63 set when any byte is outside 0-9A-Z (after folding a-z when foldCase is 1).
    private static ulong Pack(ReadOnlySpan<byte> ascii, int foldCase)
    {
        ulong value = 0;
        int outside = 0;
        foreach (byte symbol in ascii)
        {
            int b = symbol;
            int isLower = (((b - 'a') | ('z' - b)) >>> 31) ^ 1;
            b &= ~((isLower & foldCase) << 5);
            int isDigit = (((b - '0') | ('9' - b)) >>> 31) ^ 1;
            int isUpper = (((b - 'A') | ('Z' - b)) >>> 31) ^ 1;
            outside |= (isDigit | isUpper) ^ 1;
            int digit = (isDigit * (b - '0')) + (isUpper * (b - 'A' + 10));
            value = (value * 36) + (ulong)digit;
        }

        return value | ((ulong)outside << 63);
    }
}
