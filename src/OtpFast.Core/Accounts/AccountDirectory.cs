using System.Collections.Frozen;
using System.Security.Cryptography;

namespace OtpFast.Core.Accounts;

/// <summary>An immutable set of accounts, looked up by the digest of the presented key.</summary>
/// <remarks>
/// The presented key is hashed and the digest looked up; raw keys are never compared, and no
/// key is kept. Replaced as a whole on reload, so readers never see a half-applied change.
/// An account's previous key (during a rotation's grace) is a second entry, checked against
/// the clock only when it is the one presented.
/// </remarks>
public sealed class AccountDirectory
{
    private readonly FrozenDictionary<KeyDigest, Account> _byDigest;
    private readonly FrozenDictionary<KeyDigest, Account> _byPreviousDigest;
    private readonly FoundKeyCache _found;

    /// <param name="deploymentSecret">The accounts file's 32-byte deployment secret, if it has one.</param>
    public AccountDirectory(IEnumerable<Account> accounts, byte[]? deploymentSecret = null)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        DeploymentSecret = deploymentSecret is null ? (ReadOnlyMemory<byte>?)null : deploymentSecret;
        Accounts = [.. accounts];
        _byDigest = Accounts.ToFrozenDictionary(a => a.KeyDigest);
        _byPreviousDigest = Accounts.Where(a => a.PreviousKey is not null).ToFrozenDictionary(a => a.PreviousKey!.Digest);
        _found = new FoundKeyCache(Accounts.Count);
    }

    public static AccountDirectory Empty { get; } = new([]);

    public IReadOnlyList<Account> Accounts { get; }

    /// <summary>The deployment secret of the accounts file (null in a file written before it): a shared store keys pairs and tokens with it.</summary>
    public ReadOnlyMemory<byte>? DeploymentSecret { get; }

    /// <summary>Finds the account whose key (or previous key still in its grace, by the system clock) is <paramref name="apiKeyUtf8"/>.</summary>
    public bool TryFind(ReadOnlySpan<byte> apiKeyUtf8, out Account account) => TryFind(apiKeyUtf8, TimeProvider.System, out account);

    /// <summary>Finds the account whose key, or whose previous key still in its grace, is <paramref name="apiKeyUtf8"/>.</summary>
    /// <param name="time">Read only when a previous key is presented.</param>
    public bool TryFind(ReadOnlySpan<byte> apiKeyUtf8, TimeProvider time, out Account account)
    {
        ArgumentNullException.ThrowIfNull(time);
        UInt128 hash = _found.HashOf(apiKeyUtf8);
        if (_found.TryGet(hash, out account))
        {
            return true;
        }

        KeyDigest digest = KeyDigest.Of(apiKeyUtf8);
        if (_byDigest.TryGetValue(digest, out Account? found))
        {
            _found.Remember(hash, found);
            account = found;
            return true;
        }

        if (_byPreviousDigest.TryGetValue(digest, out found) && found.PreviousKey!.IsValidAt(time.GetUtcNow()))
        {
            account = found;
            return true;
        }

        account = null!;
        return false;
    }
}
