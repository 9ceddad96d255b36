using OtpFast.Core.Hashing;

namespace OtpFast.Core.Tests.Hashing;

public class SipHash128Tests
{
    // From the reference implementation's vectors_sip128: key 00..0f, message 00..(n-1).
    [Theory]
    [InlineData(0, "a3817f04ba25a8e66df67214c7550293")]
    [InlineData(1, "da87c1d86b99af44347659119b22fc45")]
    [InlineData(7, "a1f1ebbed8dbc153c0b84aa61ff08239")]
    [InlineData(8, "3b62a9ba6258f5610f83e264f31497b4")]
    [InlineData(15, "5493e99933b0a8117e08ec0f97cfc3d9")]
    [InlineData(63, "5150d1772f50834a503e069a973fbd7c")]
    public void MatchesTheReferenceVectors(int length, string expectedHex)
    {
        byte[] key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        byte[] message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        UInt128 digest = new SipHash128(key).Hash(message);
        byte[] bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)digest);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), (ulong)(digest >> 64));
        Assert.Equal(expectedHex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void DifferentKeysGiveDifferentDigests()
    {
        byte[] message = "user@example.com"u8.ToArray();
        Assert.NotEqual(new SipHash128(new byte[16]).Hash(message), new SipHash128(Enumerable.Repeat((byte)1, 16).ToArray()).Hash(message));
    }
}
