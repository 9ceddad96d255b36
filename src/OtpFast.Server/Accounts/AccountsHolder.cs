using OtpFast.Core.Accounts;

namespace OtpFast.Server.Accounts;

/// <summary>The account set in force; swapped whole by the reloader, read lock-free by requests.</summary>
internal sealed class AccountsHolder
{
    private AccountDirectory _current;

    public AccountsHolder(AccountDirectory initial) => _current = initial;

    public AccountDirectory Current => Volatile.Read(ref _current);

    public void Replace(AccountDirectory accounts) => Volatile.Write(ref _current, accounts);
}
