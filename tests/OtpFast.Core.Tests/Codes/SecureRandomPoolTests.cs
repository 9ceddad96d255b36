using OtpFast.Core.Codes;

namespace OtpFast.Core.Tests.Codes;

public class SecureRandomPoolTests
{
    [Fact]
    public void ConsecutiveDrawsAcrossBlockBoundariesDiffer()
    {
        var seen = new HashSet<ulong>();
        byte[] bytes = new byte[8];
        for (int i = 0; i < SecureRandomPool.BlockSize; i++)
        {
            SecureRandomPool.Fill(bytes);
            Assert.True(seen.Add(BitConverter.ToUInt64(bytes)), "a 64-bit draw repeated: bytes were handed out twice");
        }
    }

    [Fact]
    public void FillsRequestsLargerThanABlock()
    {
        byte[] big = new byte[(SecureRandomPool.BlockSize * 2) + 17];
        SecureRandomPool.Fill(big);
        int zeros = big.Count(b => b == 0);

        // 8209 random bytes hold about 32 zeros; a buffer left unfilled would hold thousands.
        Assert.InRange(zeros, 0, 200);
    }
}
