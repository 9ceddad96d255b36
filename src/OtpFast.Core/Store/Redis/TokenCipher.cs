using System.Buffers.Binary;
using System.Security.Cryptography;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store.Redis;

/// <summary>
/// Turns (creator digest, random nonce) into a token and back: AES-128 of one block, keyed by a
/// secret every node shares through the store.
/// </summary>
/// <remarks>
/// Verify sees only the token, issue only the creator digest, and each runs one script that
/// may touch only keys it names up front (Redis Cluster with the shebang; Garnet locks only
/// those). So both must compute the same key: the pair lives under its creator digest, and
/// the token carries that digest (96 bits of it) plus a 32-bit nonce, encrypted so that it
/// stays opaque: tokens of one end user cannot be linked, and a made-up token decrypts to a
/// key that does not exist or a nonce that does not match (unknown). A new pair draws a new
/// nonce, so the old token stops matching: replaced tokens answer unknown without a second key.
/// </remarks>
internal sealed class TokenCipher : IDisposable
{
    public const int DigestBytes = 12;

    private readonly Aes _aes;
    private readonly Lock _lock = new();

    public TokenCipher(ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key.Length, 16, nameof(key));
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
    }

    /// <summary>The token of the pair of <paramref name="creator"/> drawn with <paramref name="nonce"/>.</summary>
    public OtpToken Seal(UInt128 creator, uint nonce)
    {
        Span<byte> block = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(block, creator);
        BinaryPrimitives.WriteUInt32LittleEndian(block[DigestBytes..], nonce);
        lock (_lock)
        {
            _aes.EncryptEcb(block, block, PaddingMode.None);
        }

        return new OtpToken(BinaryPrimitives.ReadUInt128LittleEndian(block));
    }

    /// <summary>Writes the 12 digest bytes the token names into <paramref name="digest"/>; returns its nonce.</summary>
    public uint Open(OtpToken token, Span<byte> digest)
    {
        Span<byte> block = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(block, token.Value);
        lock (_lock)
        {
            _aes.DecryptEcb(block, block, PaddingMode.None);
        }

        block[..DigestBytes].CopyTo(digest);
        return BinaryPrimitives.ReadUInt32LittleEndian(block[DigestBytes..]);
    }

    public void Dispose() => _aes.Dispose();
}
