using System.Reflection;

namespace OtpFast.Server.Cli;

/// <summary>
/// <c>otpfast version</c>: the version and the git commit the binary was built from, which the
/// SDK's source control support appends to the informational version (<c>1.0.0+COMMIT</c>).
/// A build without git (from a tarball) has no commit, and says so.
/// </summary>
internal static class VersionCommand
{
    public static string InformationalVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The line <c>otpfast version</c> prints, e.g. <c>otpfast 1.0.0 (commit 2dbcb17acfb1...)</c>.</summary>
    public static string Line
    {
        get
        {
            string[] parts = InformationalVersion.Split('+', 2);
            string commit = parts.Length == 2 ? parts[1] : "unknown: built without git";
            return $"otpfast {parts[0]} (commit {commit})";
        }
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is ["--help" or "-h"])
        {
            stdout.WriteLine(Usage.Server);
            return 0;
        }

        if (args.Length > 0)
        {
            return Usage.Fail(stderr, "otpfast version", $"unexpected argument '{args[0]}'.", Usage.Server);
        }

        stdout.WriteLine(Line);
        return 0;
    }
}
