using System.Buffers.Text;
using System.Text;

namespace OtpFast.Server.Api;

/// <summary>
/// One request property as the body gave it: its kind, and its UTF-8 text (a string unescaped, a
/// number or boolean as its literal text, so <c>"apiKey":123</c> reads as "123"). The text is
/// empty for a property left out, given as null, or given as an object or array.
/// </summary>
internal readonly ref struct RequestValue
{
    public RequestValue(ValueKind kind, ReadOnlySpan<byte> text)
    {
        Kind = kind;
        Text = text;
    }

    public ValueKind Kind { get; }

    public ReadOnlySpan<byte> Text { get; }

    /// <summary>
    /// Left out or given as null: the one meaning of "absent". An optional field then takes its
    /// default (API.md); an empty string is not absent, and whether it counts as none is each
    /// field's own rule.
    /// </summary>
    public bool IsAbsent => Kind is ValueKind.Absent or ValueKind.Null;

    /// <summary>Parses a non-negative integer given as a JSON number or a string of ASCII digits.</summary>
    public bool TryGetInteger(out long value)
    {
        value = 0;
        if (Kind is not (ValueKind.Number or ValueKind.String))
        {
            return false;
        }

        ReadOnlySpan<byte> text = Text;
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
    }

    /// <summary>Parses a boolean given natively or as a case-insensitive "true"/"false" string.</summary>
    public bool TryGetBoolean(out bool value)
    {
        switch (Kind)
        {
            case ValueKind.True:
                value = true;
                return true;
            case ValueKind.False:
                value = false;
                return true;
            case ValueKind.String when Ascii.EqualsIgnoreCase(Text, "true"u8):
                value = true;
                return true;
            case ValueKind.String when Ascii.EqualsIgnoreCase(Text, "false"u8):
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
