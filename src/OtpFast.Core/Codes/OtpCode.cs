using System.Runtime.CompilerServices;

namespace OtpFast.Core.Codes;

/// <summary>
/// A code of at most <see cref="CodeAlphabet.MaxLength"/> ASCII bytes held by value, so store
/// results and answers that wait (for the disk, for Redis) carry it without a heap copy.
/// </summary>
public struct OtpCode : IEquatable<OtpCode>
{
    private Buffer _bytes;
    private byte _length;

    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="CodeAlphabet.MaxLength"/> bytes.</exception>
    public OtpCode(ReadOnlySpan<byte> code)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code.Length, CodeAlphabet.MaxLength, nameof(code));
        code.CopyTo(_bytes);
        _length = (byte)code.Length;
    }

    public readonly int Length => _length;

    /// <summary>Copies the code into <paramref name="destination"/>; returns its length.</summary>
    public readonly int CopyTo(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = _bytes;
        bytes[.._length].CopyTo(destination);
        return _length;
    }

    public readonly bool Equals(OtpCode other)
    {
        ReadOnlySpan<byte> mine = _bytes;
        ReadOnlySpan<byte> theirs = other._bytes;
        return mine[.._length].SequenceEqual(theirs[..other._length]);
    }

    public override readonly bool Equals(object? obj) => obj is OtpCode other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = default(HashCode);
        ReadOnlySpan<byte> bytes = _bytes;
        hash.AddBytes(bytes[.._length]);
        return hash.ToHashCode();
    }

    public static bool operator ==(OtpCode left, OtpCode right) => left.Equals(right);

    public static bool operator !=(OtpCode left, OtpCode right) => !left.Equals(right);

    /// <summary>The code as text (for tests and diagnostics; the request path never calls it).</summary>
    public override readonly string ToString()
    {
        ReadOnlySpan<byte> bytes = _bytes;
        return System.Text.Encoding.ASCII.GetString(bytes[.._length]);
    }

    [InlineArray(CodeAlphabet.MaxLength)]
    private struct Buffer
    {
        private byte _first;
    }
}
