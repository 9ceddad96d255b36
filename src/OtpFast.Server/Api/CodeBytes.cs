using System.Runtime.CompilerServices;

namespace OtpFast.Server.Api;

/// <summary>A code (at most 12 ASCII bytes) held by value, so an answer that waits for the disk can keep it without a heap copy.</summary>
internal struct CodeBytes
{
    private Buffer _bytes;
    private int _length;

    public CodeBytes(ReadOnlySpan<byte> code)
    {
        code.CopyTo(_bytes);
        _length = code.Length;
    }

    /// <summary>Copies the code into <paramref name="destination"/>; returns its length.</summary>
    public readonly int CopyTo(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = _bytes;
        bytes[.._length].CopyTo(destination);
        return _length;
    }

    [InlineArray(Core.Codes.CodeAlphabet.MaxLength)]
    private struct Buffer
    {
        private byte _first;
    }
}
