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
            Compress(ref v0, ref v1, ref v2, ref v3, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        return Finish(v0, v1, v2, v3, Tail(data[whole..], 0, data.Length, at: 0));
    }

    /// <summary>
    /// The digest of <paramref name="prefix"/>'s 4 little-endian bytes followed by
    /// <paramref name="data"/>, bit for bit what <see cref="Hash"/> gives for the two written
    /// one after the other, without copying <paramref name="data"/> anywhere.
    /// </summary>
    public UInt128 HashPrefixed(uint prefix, ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ _k0;
        ulong v1 = 0x646f72616e646f6dUL ^ _k1 ^ 0xee;
        ulong v2 = 0x6c7967656e657261UL ^ _k0;
        ulong v3 = 0x7465646279746573UL ^ _k1;

        int length = 4 + data.Length;
        if (length < 8)
        {
            return Finish(v0, v1, v2, v3, Tail(data, prefix, length, at: 4));
        }

        // The first block is the prefix and data's first 4 bytes; every later block starts 4
        // bytes before its message offset in data.
        Compress(ref v0, ref v1, ref v2, ref v3, prefix | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(data) << 32));
        int whole = length & ~7;
        for (int i = 8; i < whole; i += 8)
        {
            Compress(ref v0, ref v1, ref v2, ref v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(i - 4)..]));
        }

        return Finish(v0, v1, v2, v3, Tail(data[(whole - 4)..], 0, length, at: 0));
    }

    // SipHash's last block: the message's length in the top byte over its last (length % 8)
    // bytes, here `tail` placed from byte `at` over `first` (bytes already there).
    private static ulong Tail(ReadOnlySpan<byte> tail, ulong first, int length, int at)
    {
        ulong last = ((ulong)length << 56) | first;
        for (int i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * (at + i));
        }

        return last;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    // By value: a reference to the loop's words would keep them in memory rather than registers.
    private static UInt128 Finish(ulong a, ulong b, ulong c, ulong d, ulong last)
    {
        Compress(ref a, ref b, ref c, ref d, last);
        c ^= 0xee;
        for (int i = 0; i < 4; i++)
        {
            Round(ref a, ref b, ref c, ref d);
        }

        ulong low = a ^ b ^ c ^ d;
        b ^= 0xdd;
        for (int i = 0; i < 4; i++)
        {
            Round(ref a, ref b, ref c, ref d);
        }

        ulong high = a ^ b ^ c ^ d;
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
