using System.Text;

namespace OtpFast.Core.Codes;

/// <summary>
/// The symbols of one <see cref="CodeType"/> and the rejection limit that makes a random
/// byte map to them without modulo bias.
/// </summary>
public static class CodeAlphabet
{
    public const int MinLength = 4;
    public const int MaxLength = 12;

    private static ReadOnlySpan<byte> Num => "0123456789"u8;
    private static ReadOnlySpan<byte> Alpha => "ABCDEFGHIJKLMNOPQRSTUVWXYZ"u8;
    private static ReadOnlySpan<byte> Alphanum => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"u8;

    /// <summary>The alphabet's symbols as ASCII bytes.</summary>
    public static ReadOnlySpan<byte> Symbols(CodeType type) => type switch
    {
        CodeType.Alpha => Alpha,
        CodeType.Alphanum => Alphanum,
        _ => Num,
    };

    /// <summary>
    /// Bytes at or above this value are rejected: it is the largest multiple of the alphabet
    /// size that fits in a byte, so <c>b % size</c> is uniform on the accepted bytes.
    /// </summary>
    public static int RejectionLimit(int alphabetSize) => 256 - (256 % alphabetSize);

    /// <summary>Whether <paramref name="length"/> is a code length the API accepts.</summary>
    public static bool IsValidLength(int length) => length is >= MinLength and <= MaxLength;

    /// <summary>Parses an API codeType value (case-insensitive, no surrounding whitespace).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out CodeType type)
    {
        if (utf8.Length == 3 && Ascii.EqualsIgnoreCase(utf8, "num"u8))
        {
            type = CodeType.Num;
            return true;
        }

        if (utf8.Length == 5 && Ascii.EqualsIgnoreCase(utf8, "alpha"u8))
        {
            type = CodeType.Alpha;
            return true;
        }

        if (utf8.Length == 8 && Ascii.EqualsIgnoreCase(utf8, "alphanum"u8))
        {
            type = CodeType.Alphanum;
            return true;
        }

        type = default;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="utf8"/> has the form of some code the server could issue:
    /// 4 to 12 ASCII letters or digits (letters in either case).
    /// </summary>
    public static bool IsPlausibleCode(ReadOnlySpan<byte> utf8)
    {
        if (!IsValidLength(utf8.Length))
        {
            return false;
        }

        foreach (byte b in utf8)
        {
            if (!char.IsAsciiLetterOrDigit((char)b))
            {
                return false;
            }
        }

        return true;
    }
}
