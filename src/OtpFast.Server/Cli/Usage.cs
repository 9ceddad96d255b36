namespace OtpFast.Server.Cli;

internal static class Usage
{
    public const string Text = """
        otpfast                                   run the server (see README for settings)
        otpfast accounts add NAME [--expires YYYY-MM-DD] [--rate N]   add an account; prints its key last
        otpfast accounts block NAME               stop the account requesting codes (404); verify still works
        otpfast accounts unblock NAME             undo block
        otpfast accounts deactivate NAME          stop everything (448)
        otpfast accounts activate NAME            make the account active again
        otpfast accounts expire NAME YYYY-MM-DD|never   set or clear the last valid UTC day (405 after it)
        otpfast accounts rate NAME N|unlimited|default   requests per second the account may make (429 beyond)
        otpfast accounts remove NAME              delete the account
        otpfast accounts list                     names, ids, states, expiry dates and rates (never keys)
        otpfast health [--url URL]                exit 0 when the server answers /healthz

        Every accounts verb takes --data-dir DIR (default: $OTPFAST_DataDir, else ./data).
        """;
}
