using System.Collections.Frozen;
using System.Security.Cryptography;

namespace OtpFast.Core.Accounts;

/// <summary>An immutable set of accounts, looked up by the digest of the presented key.</summary>
/// <remarks>
/// The presented key is hashed and the digest looked up; raw keys are never compared, and no
/// key is kept. Replaced as a whole on reload, so readers never see a half-applied change.
/// </remarks>
public sealed class AccountDirectory
{
    private readonly FrozenDictionary<KeyDigest, Account> _byDigest;

    public AccountDirectory(IEnumerable<Account> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        Accounts = [.. accounts];
        _byDigest = Accounts.ToFrozenDictionary(a => a.KeyDigest);
    }

    public static AccountDirectory Empty { get; } = new([]);

    public IReadOnlyList<Account> Accounts { get; }

    /// <summary>Finds the account whose key is <paramref name="apiKeyUtf8"/>.</summary>
    public bool TryFind(ReadOnlySpan<byte> apiKeyUtf8, out Account account)
    {
        KeyDigest digest = KeyDigest.Of(apiKeyUtf8);
        if (_byDigest.TryGetValue(digest, out Account? found))
        {
            account = found;
            return true;
        }

        account = null!;
        return false;
    }
}
