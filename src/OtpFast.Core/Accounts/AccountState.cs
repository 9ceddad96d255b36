namespace OtpFast.Core.Accounts;

/// <summary>What an account may do (API.md codes 404 and 448).</summary>
public enum AccountState : byte
{
    /// <summary>May request and verify codes.</summary>
    Active,

    /// <summary>May verify codes already sent but not request new ones (code 404 on request).</summary>
    SendingBlocked,

    /// <summary>May do nothing (code 448).</summary>
    Deactivated,
}

/// <summary>The names an account state has in the accounts file and the CLI.</summary>
public static class AccountStateNames
{
    public const string Active = "active";
    public const string SendingBlocked = "sending-blocked";
    public const string Deactivated = "deactivated";

    public static string ToName(AccountState state) => state switch
    {
        AccountState.SendingBlocked => SendingBlocked,
        AccountState.Deactivated => Deactivated,
        _ => Active,
    };

    public static bool TryParse(string? name, out AccountState state)
    {
        switch (name)
        {
            case Active:
                state = AccountState.Active;
                return true;
            case SendingBlocked:
                state = AccountState.SendingBlocked;
                return true;
            case Deactivated:
                state = AccountState.Deactivated;
                return true;
            default:
                state = default;
                return false;
        }
    }
}
