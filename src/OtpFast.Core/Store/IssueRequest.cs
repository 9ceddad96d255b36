using OtpFast.Core.Codes;

namespace OtpFast.Core.Store;

/// <summary>A validated requestOneTimeCode for the store.</summary>
/// <param name="Creator">From <see cref="IOtpStore.DigestCreator"/> of the same store.</param>
/// <param name="CodeLength"><see cref="CodeAlphabet.MinLength"/> to <see cref="CodeAlphabet.MaxLength"/>.</param>
/// <param name="ExpirySeconds">Lifetime in seconds, 0 to <see cref="OtpStoreOptions.MaxSupportedExpirySeconds"/>; 0 means no expiry.</param>
/// <param name="ReCreate">False: return the live pair of this creator if there is one.</param>
public readonly record struct IssueRequest(int AccountId, UInt128 Creator, CodeType CodeType, int CodeLength, int ExpirySeconds, bool ReCreate)
{
    public const int MaxTokenCreatorBytes = 1024;
}
