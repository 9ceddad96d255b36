namespace OtpFast.Core.Accounts;

/// <summary>The accounts file cannot be read or used; the message names the file and the problem.</summary>
public sealed class AccountsFileException : Exception
{
    public AccountsFileException()
    {
    }

    public AccountsFileException(string message)
        : base(message)
    {
    }

    public AccountsFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
