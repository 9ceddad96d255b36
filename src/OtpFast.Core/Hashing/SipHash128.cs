using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace OtpFast.Core.Hashing;

/// <summary>SipHash-2-4 with 128-bit output: a keyed pseudorandom function for short inputs.</summary>
/// <remarks>
/// The store keys a pair by a 128-bit digest of (account, tokenCreator) instead of keeping the
/// string. tokenCreator comes from end users, so the digest must be one they cannot steer into
/// a collision (which would hand one user another's live code): a keyed PRF with a secret key
/// gives that, where an unkeyed fast hash such as xxHash does not.
/// </remarks>
public sealed class SipHash128
{
    private readonly ulong _k0;
    private readonly ulong _k1;

    public SipHash128(ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key.Length, 16, nameof(key));
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>The digest as two little-endian 64-bit halves (bytes 0-7 in Low, 8-15 in High).</summary>
    public UInt128 Hash(ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ _k0;
        ulong v1 = 0x646f72616e646f6dUL ^ _k1 ^ 0xee;
        ulong v2 = 0x6c7967656e657261UL ^ _k0;
        ulong v3 = 0x7465646279746573UL ^ _k1;

        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        ulong last = (ulong)data.Length << 56;
        ReadOnlySpan<byte> tail = data[whole..];
        for (int i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * i);
        }

        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xee;
        for (int i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        ulong low = v0 ^ v1 ^ v2 ^ v3;
        v1 ^= 0xdd;
        for (int i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        ulong high = v0 ^ v1 ^ v2 ^ v3;
        return new UInt128(high, low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
