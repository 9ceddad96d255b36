namespace OtpFast.Server.Cli;

/// <summary>The usage text, whole and per verb, so <c>--help</c> on a verb shows what that verb takes.</summary>
internal static class Usage
{
    public const string Server = """
        otpfast [--Setting value ...]             run the server (settings: see Configuration in the README)
        otpfast version | --version               print the version and the commit it was built from
        otpfast help | --help | -h                print this text
        """;

    public const string Accounts = """
        otpfast accounts add NAME [--expires YYYY-MM-DD] [--rate N]   add an account; prints its key last
        otpfast accounts block NAME               stop the account requesting codes (404); verify still works
        otpfast accounts unblock NAME             undo block
        otpfast accounts deactivate NAME          stop everything (448)
        otpfast accounts activate NAME            make the account active again
        otpfast accounts expire NAME YYYY-MM-DD|never   set or clear the last valid UTC day (405 after it)
        otpfast accounts rate NAME N|unlimited|default   requests per second the account may make (429 beyond)
        otpfast accounts rotate NAME [--grace HOURS]   give the account a new key (printed last); the old one
                                                  keeps working for the grace (default 24, 0 = stops at once)
        otpfast accounts remove NAME              delete the account
        otpfast accounts list                     names, ids, states, expiry dates, rates and old keys' grace (never keys)

        Every accounts verb takes --data-dir DIR (default: $OTPFAST_DataDir, else ./data).
        Account names are 1 to 64 of A-Z a-z 0-9 . _ -
        """;

    public const string Health = """
        otpfast health [--url URL]                exit 0 when the server answers /healthz (default URL: http://localhost:5080/healthz)
        """;

    public const string Text = Server + "\n\n" + Accounts + "\n\n" + Health;

    /// <summary>The exit code of a usage error (sysexits' EX_USAGE), for every verb.</summary>
    public const int ExitCode = 64;

    /// <summary>Writes one line naming the mistake, then the usage that applies, to standard error; returns <see cref="ExitCode"/>.</summary>
    public static int Fail(TextWriter stderr, string command, string problem, string usage)
    {
        stderr.WriteLine($"{command}: {problem}");
        stderr.WriteLine(usage);
        return ExitCode;
    }
}
