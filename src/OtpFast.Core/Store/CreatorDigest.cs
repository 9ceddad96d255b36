using OtpFast.Core.Hashing;

namespace OtpFast.Core.Store;

/// <summary>
/// The keyed digest of (account, tokenCreator) every store files a pair under: SipHash-128 of the
/// account id (4 bytes, little-endian) followed by the tokenCreator's UTF-8 bytes.
/// </summary>
public static class CreatorDigest
{
    /// <exception cref="ArgumentOutOfRangeException">tokenCreator is empty or longer than <see cref="IssueRequest.MaxTokenCreatorBytes"/>.</exception>
    public static UInt128 Compute(SipHash128 key, int accountId, ReadOnlySpan<byte> tokenCreator)
    {
        ThrowIfOutOfBounds(tokenCreator);

        // The account id is SipHash's first 4 bytes, tokenCreator hashed where it lies: no copy.
        return key.HashPrefixed((uint)accountId, tokenCreator);
    }

    /// <exception cref="ArgumentOutOfRangeException">tokenCreator is empty or longer than <see cref="IssueRequest.MaxTokenCreatorBytes"/>.</exception>
    public static void ThrowIfOutOfBounds(ReadOnlySpan<byte> tokenCreator)
    {
        if (tokenCreator.IsEmpty || tokenCreator.Length > IssueRequest.MaxTokenCreatorBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCreator), "tokenCreator must be 1 to 1024 UTF-8 bytes.");
        }
    }
}
