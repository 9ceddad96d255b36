using System.Security.Cryptography;

namespace OtpFast.Core.Accounts;

/// <summary>The SHA-256 digest of an API key, as four 64-bit words.</summary>
/// <remarks>A value type so the account directory can key a dictionary by it without a string per key.</remarks>
public readonly record struct KeyDigest(ulong W0, ulong W1, ulong W2, ulong W3)
{
    public const int HexLength = 64;

    public static KeyDigest Of(ReadOnlySpan<byte> keyUtf8)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(keyUtf8, hash);
        return FromBytes(hash);
    }

    public static bool TryParseHex(string? hex, out KeyDigest digest)
    {
        digest = default;
        if (hex is null || hex.Length != HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[32];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        digest = FromBytes(bytes);
        return true;
    }

    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, W0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], W1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], W2);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], W3);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Never prints the digest: it is not secret, but logs have no use for it.</summary>
    public override string ToString() => "KeyDigest(...)";

    private static KeyDigest FromBytes(ReadOnlySpan<byte> hash) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
}
