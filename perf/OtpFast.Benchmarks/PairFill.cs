using System.Globalization;
using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Benchmarks;

/// <summary>Fills a store with live pairs for account 1 (one hour to live), one new tokenCreator each.</summary>
internal static class PairFill
{
    public static void Issue(ShardedOtpStore store, int pairs, string creatorPrefix)
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        Span<byte> creator = stackalloc byte[64];
        for (int i = 0; i < pairs; i++)
        {
            Encoding.ASCII.TryGetBytes(string.Create(CultureInfo.InvariantCulture, $"{creatorPrefix}{i}@example.com"), creator, out int length);
            if (store.Issue(1, creator[..length], CodeType.Num, 6, 3600, false, otp).Status != IssueStatus.Created)
            {
                throw new InvalidOperationException($"issue {i} failed");
            }
        }
    }
}
