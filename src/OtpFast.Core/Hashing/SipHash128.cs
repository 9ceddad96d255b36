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
        var state = new State(_k0, _k1);
        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            state.Compress(BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        return state.Finish(Tail(data[whole..], 0, data.Length));
    }

    /// <summary>
    /// The digest of <paramref name="prefix"/>'s 4 little-endian bytes followed by
    /// <paramref name="data"/>, bit for bit what <see cref="Hash"/> gives for the two written
    /// one after the other, without copying <paramref name="data"/> anywhere.
    /// </summary>
    public UInt128 HashPrefixed(uint prefix, ReadOnlySpan<byte> data)
    {
        var state = new State(_k0, _k1);
        int length = 4 + data.Length;
        if (length < 8)
        {
            return state.Finish(Tail(data, prefix, length, at: 4));
        }

        // The first block is the prefix and data's first 4 bytes; every later block starts 4
        // bytes before its message offset in data.
        state.Compress(prefix | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(data) << 32));
        int whole = length & ~7;
        for (int i = 8; i < whole; i += 8)
        {
            state.Compress(BinaryPrimitives.ReadUInt64LittleEndian(data[(i - 4)..]));
        }

        return state.Finish(Tail(data[(whole - 4)..], 0, length));
    }

    // SipHash's last block: the message's length in the top byte over its last (length % 8)
    // bytes, here `tail` placed from byte `at` over `first` (bytes already there).
    private static ulong Tail(ReadOnlySpan<byte> tail, ulong first, int length, int at = 0)
    {
        ulong last = ((ulong)length << 56) | first;
        for (int i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * (at + i));
        }

        return last;
    }

    /// <summary>The four words of SipHash-2-4 between blocks.</summary>
    private struct State(ulong k0, ulong k1)
    {
        private ulong _v0 = 0x736f6d6570736575UL ^ k0;
        private ulong _v1 = 0x646f72616e646f6dUL ^ k1 ^ 0xee;
        private ulong _v2 = 0x6c7967656e657261UL ^ k0;
        private ulong _v3 = 0x7465646279746573UL ^ k1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Compress(ulong m)
        {
            _v3 ^= m;
            Round();
            Round();
            _v0 ^= m;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public UInt128 Finish(ulong last)
        {
            Compress(last);
            _v2 ^= 0xee;
            for (int i = 0; i < 4; i++)
            {
                Round();
            }

            ulong low = _v0 ^ _v1 ^ _v2 ^ _v3;
            _v1 ^= 0xdd;
            for (int i = 0; i < 4; i++)
            {
                Round();
            }

            ulong high = _v0 ^ _v1 ^ _v2 ^ _v3;
            return new UInt128(high, low);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Round()
        {
            _v0 += _v1;
            _v1 = BitOperations.RotateLeft(_v1, 13);
            _v1 ^= _v0;
            _v0 = BitOperations.RotateLeft(_v0, 32);
            _v2 += _v3;
            _v3 = BitOperations.RotateLeft(_v3, 16);
            _v3 ^= _v2;
            _v0 += _v3;
            _v3 = BitOperations.RotateLeft(_v3, 21);
            _v3 ^= _v0;
            _v2 += _v1;
            _v1 = BitOperations.RotateLeft(_v1, 17);
            _v1 ^= _v2;
            _v2 = BitOperations.RotateLeft(_v2, 32);
        }
    }
}
