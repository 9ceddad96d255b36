using OtpFast.Core.Accounts;
using OtpFast.Server.Accounts;

namespace OtpFast.Server.Api;

/// <summary>
/// The key and account checks both endpoints run after the body is read, in API.md's order: key
/// (402, 403), account state (404 for requestOneTimeCode only, 405, 448), then the account's rate
/// (429). The first refusal is the answer's code; <see cref="ApiCode.Accepted"/> lets the call on.
/// </summary>
internal sealed class AccountGate
{
    private readonly AccountsHolder _accounts;
    private readonly AccountRateLimiter _rates;
    private readonly TimeProvider _time;

    public AccountGate(AccountsHolder accounts, AccountRateLimiter rates, TimeProvider time)
    {
        _accounts = accounts;
        _rates = rates;
        _time = time;
    }

    /// <summary>requestOneTimeCode's gate: a sending-blocked account may not ask for codes.</summary>
    public int AdmitRequest(ReadOnlySpan<byte> apiKey, out Account account) => Admit(apiKey, refuseSendingBlocked: true, out account);

    /// <summary>verifyOneTimeCode's gate: a sending-blocked account may still verify the codes it sent.</summary>
    public int AdmitVerify(ReadOnlySpan<byte> apiKey, out Account account) => Admit(apiKey, refuseSendingBlocked: false, out account);

    private int Admit(ReadOnlySpan<byte> apiKey, bool refuseSendingBlocked, out Account account)
    {
        account = null!;
        if (apiKey.IsEmpty)
        {
            return ApiCode.EmptyKey;
        }

        if (!_accounts.Current.TryFind(apiKey, _time, out account))
        {
            return ApiCode.InvalidKey;
        }

        if (refuseSendingBlocked && account.State == AccountState.SendingBlocked)
        {
            return ApiCode.SendingBlocked;
        }

        if (account.IsExpiredOn(DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)))
        {
            return ApiCode.AccountExpired;
        }

        if (account.State == AccountState.Deactivated)
        {
            return ApiCode.Deactivated;
        }

        // Last, so a refused call never spends the account's rate.
        return _rates.TryAcquire(account) ? ApiCode.Accepted : ApiCode.RateLimited;
    }
}
