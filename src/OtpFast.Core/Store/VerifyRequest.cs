using OtpFast.Core.Codes;
using OtpFast.Core.Tokens;

namespace OtpFast.Core.Store;

/// <summary>A validated verifyOneTimeCode for the store.</summary>
/// <param name="Code">The code sent (a plausible code: 4 to 12 ASCII letters or digits); letters match in either case.</param>
public readonly record struct VerifyRequest(int AccountId, OtpToken Token, OtpCode Code);
