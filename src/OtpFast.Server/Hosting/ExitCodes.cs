namespace OtpFast.Server.Hosting;

/// <summary>The server's exit codes (README: "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server could not start; one line on stderr says why and what to fix.</summary>
    public const int CannotStart = 2;

    /// <summary>The server stopped, but not every change could be made durable (the log says which).</summary>
    public const int PersistFailed = 3;
}
