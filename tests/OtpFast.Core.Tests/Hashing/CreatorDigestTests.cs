using System.Buffers.Binary;
using OtpFast.Core.Hashing;
using OtpFast.Core.Store;

namespace OtpFast.Core.Tests.Hashing;

/// <summary>
/// The creator digest is persisted (snapshots, journals) and names Redis keys: hashing in place
/// must give, bit for bit, what copying the account id and tokenCreator into one buffer gave.
/// </summary>
public class CreatorDigestTests
{
    [Fact]
    public void InPlaceEqualsTheCopyForEveryLengthAndManyRandomInputs()
    {
        var random = new Random(12);
        byte[] buffer = new byte[IssueRequest.MaxTokenCreatorBytes + 64];
        for (int round = 0; round < 40; round++)
        {
            byte[] key = new byte[16];
            random.NextBytes(key);
            var hash = new SipHash128(key);
            int accountId = round == 0 ? int.MinValue : round == 1 ? -1 : random.Next(int.MinValue, int.MaxValue);
            random.NextBytes(buffer);

            // Every length from 1 to the limit, so every tail length 0-7 and every block count is
            // met, at an odd offset too (the reads in place are unaligned).
            for (int length = 1; length <= IssueRequest.MaxTokenCreatorBytes; length++)
            {
                ReadOnlySpan<byte> creator = buffer.AsSpan(round % 8, length);
                Assert.Equal(CopiedDigest(hash, accountId, creator), CreatorDigest.Compute(hash, accountId, creator));
            }
        }
    }

    [Fact]
    public void HashPrefixedEqualsTheCopyBeyondTheCreatorLimitAndWhenEmpty()
    {
        var random = new Random(7);
        byte[] key = new byte[16];
        random.NextBytes(key);
        var hash = new SipHash128(key);
        byte[] data = new byte[3000];
        random.NextBytes(data);
        foreach (int length in new[] { 0, 1, 2, 3, 4, 5, 1025, 1031, 2048, 2999 })
        {
            uint prefix = (uint)random.Next();
            byte[] joined = new byte[4 + length];
            BinaryPrimitives.WriteUInt32LittleEndian(joined, prefix);
            data.AsSpan(0, length).CopyTo(joined.AsSpan(4));
            Assert.Equal(hash.Hash(joined), hash.HashPrefixed(prefix, data.AsSpan(0, length)));
        }
    }

    // Pinned: a digest persisted by an earlier version must still be found (key 00..0f, account 7;
    // the values were checked against an independent SipHash-2-4-128 written in Python).
    [Theory]
    [InlineData("user@example.com", "67b8d6b94b86e8e6c7953e79d447f126")]
    [InlineData("a", "e1df18e4d001c2eeb5d83fe7453b85c4")]
    public void KnownDigests(string creator, string expectedHex)
    {
        var hash = new SipHash128(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(creator);
        UInt128 digest = CreatorDigest.Compute(hash, 7, utf8);
        Assert.Equal(CopiedDigest(hash, 7, utf8), digest);
        Assert.Equal(expectedHex, $"{(ulong)(digest >> 64):x16}{(ulong)digest:x16}");
    }

    // The implementation before hashing in place, kept word for word as the reference.
    private static UInt128 CopiedDigest(SipHash128 key, int accountId, ReadOnlySpan<byte> tokenCreator)
    {
        Span<byte> input = stackalloc byte[4 + IssueRequest.MaxTokenCreatorBytes];
        BinaryPrimitives.WriteInt32LittleEndian(input, accountId);
        tokenCreator.CopyTo(input[4..]);
        return key.Hash(input[..(4 + tokenCreator.Length)]);
    }
}
