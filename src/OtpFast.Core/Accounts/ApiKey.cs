using OtpFast.Core.Codes;

namespace OtpFast.Core.Accounts;

/// <summary>Makes new API keys.</summary>
public static class ApiKey
{
    /// <summary>Prefix that makes a key recognisable in a secret scanner.</summary>
    public const string Prefix = "otpf_";

    /// <summary>A new key: the prefix and 160 bits from the CSPRNG as 32 base32 characters.</summary>
    public static string Create()
    {
        Span<byte> symbols = stackalloc byte[32];
        ReadOnlySpan<byte> alphabet = "abcdefghijklmnopqrstuvwxyz234567"u8;
        Span<byte> random = stackalloc byte[32];
        SecureRandomPool.Fill(random);
        Span<char> key = stackalloc char[Prefix.Length + 32];
        Prefix.CopyTo(key);
        for (int i = 0; i < 32; i++)
        {
            // 5 bits per symbol from one byte each: 32 symbols x 5 bits = 160 bits, no bias (32 divides 256).
            key[Prefix.Length + i] = (char)alphabet[random[i] & 31];
        }

        return new string(key);
    }
}
