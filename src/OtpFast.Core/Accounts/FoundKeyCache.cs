using System.Numerics;
using System.Security.Cryptography;
using OtpFast.Core.Hashing;

namespace OtpFast.Core.Accounts;

/// <summary>
/// The current keys an <see cref="AccountDirectory"/> has already found, remembered by a keyed
/// 128-bit hash of the key, so a key presented again is found without SHA-256.
/// </summary>
/// <remarks>
/// SHA-256 through OpenSSL was ~3% of a request's CPU in a profile of the login flow (every
/// request authenticates); SipHash-128 of a 26-byte key is managed code and a few dozen
/// nanoseconds. Nothing of the key is kept: a slot holds the hash under a random per-process
/// key, which no one outside the process can compute, so finding another key with the same
/// hash is a 2^-128 chance, and only a key SHA-256 already matched is ever remembered. A slot
/// is one immutable object (no torn reads between threads); a collision of two busy keys in
/// one slot only costs both the slow path. Previous keys (a rotation's grace, checked against
/// the clock) always take the slow path.
/// </remarks>
internal sealed class FoundKeyCache
{
    private const int MinSlots = 64;
    private const int MaxSlots = 1 << 16;

    private readonly SipHash128 _hash = new(RandomNumberGenerator.GetBytes(16));
    private readonly Slot?[] _slots;
    private readonly int _mask;

    /// <param name="keys">How many keys can be found (the accounts); the table has about twice as many slots.</param>
    public FoundKeyCache(int keys)
    {
        int slots = (int)Math.Min(MaxSlots, BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinSlots, keys * 2)));
        _slots = new Slot?[slots];
        _mask = slots - 1;
    }

    public UInt128 HashOf(ReadOnlySpan<byte> keyUtf8) => _hash.Hash(keyUtf8);

    public bool TryGet(UInt128 hash, out Account account)
    {
        Slot? slot = Volatile.Read(ref _slots[SlotOf(hash)]);
        if (slot is not null && slot.Hash == hash)
        {
            account = slot.Account;
            return true;
        }

        account = null!;
        return false;
    }

    public void Remember(UInt128 hash, Account account) => Volatile.Write(ref _slots[SlotOf(hash)], new Slot(hash, account));

    private int SlotOf(UInt128 hash) => (int)(ulong)hash & _mask;

    private sealed class Slot(UInt128 hash, Account account)
    {
        public UInt128 Hash { get; } = hash;

        public Account Account { get; } = account;
    }
}
