using System.Collections;
using OtpFast.Server.Cli;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Refuses a setting OtpFast does not know, given on the command line or as an <c>OTPFAST_</c>
/// environment variable: configuration ignores unknown keys, so a typo such as
/// <c>--max-verfy-attempts 3</c> would silently leave the default in force.
/// </summary>
/// <remarks>
/// Known: every key of <see cref="ServerOptions.Defaults"/> (so a new setting must have a default
/// there), the kebab-case spellings of <see cref="ServerOptions.SwitchMappings"/>, and the
/// standard ASP.NET Core host keys, with the <c>Logging</c> and <c>Kestrel</c> sections whole.
/// appsettings.json is not checked: it may hold the application's own sections.
/// </remarks>
internal static class SettingNames
{
    public const string EnvironmentPrefix = "OTPFAST_";

    // The keys ASP.NET Core's web host and generic host read (WebHostDefaults, HostDefaults).
    private static readonly string[] HostKeys =
    [
        "Urls", "AllowedHosts", "Environment", "ApplicationName", "ContentRoot", "WebRoot", "HTTP_PORTS", "HTTPS_PORTS",
        "PreferHostingUrls", "PreventHostingStartup", "HostingStartupAssemblies", "HostingStartupExcludeAssemblies",
        "StartupAssembly", "SuppressStatusMessages", "ShutdownTimeoutSeconds", "DetailedErrors", "CaptureStartupErrors",
    ];

    // Whole sections that belong to ASP.NET Core: every key under them is theirs to judge.
    private static readonly string[] HostSections = ["Logging", "Kestrel", "hostBuilder"];

    private static IEnumerable<string> KnownKeys =>
        ServerOptions.Defaults.Keys.Where(k => !k.Contains(':', StringComparison.Ordinal)).Concat(HostKeys);

    /// <summary>Whether <paramref name="key"/> (a configuration key, sections separated by ':') is a setting.</summary>
    public static bool IsKnown(string key) =>
        KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase)
        || HostSections.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>Fails on the first command-line key or <c>OTPFAST_</c> variable that is no setting.</summary>
    /// <param name="commandLine">The command line's settings: each as the user spelt it (<c>--max-verify-attempts</c>) and the key it sets.</param>
    /// <param name="environment">The process environment (a parameter so tests need not change the real one).</param>
    /// <exception cref="StartupException">Names the unknown setting, where it came from, and the nearest known name.</exception>
    public static void RefuseUnknown(IEnumerable<(string Spelling, string Key)> commandLine, IDictionary environment)
    {
        foreach ((string spelling, string key) in commandLine)
        {
            if (!IsKnown(key))
            {
                // Both spellings are offered, so '--max-verfy-attempts' finds its kebab-case neighbour
                // and '--MaxVerfyAttempts' its own.
                IEnumerable<string> spellings = KnownKeys.Select(k => "--" + k).Concat(ServerOptions.SwitchMappings.Keys);
                throw Unknown($"the command-line setting {spelling}", spelling, spellings);
            }
        }

        foreach (DictionaryEntry variable in environment)
        {
            string name = (string)variable.Key;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // As the environment-variable configuration source reads it: '__' separates sections.
                string key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                if (!IsKnown(key))
                {
                    throw Unknown($"the environment variable {name}", name, KnownKeys.Select(k => EnvironmentPrefix + k));
                }
            }
        }
    }

    private static StartupException Unknown(string what, string typed, IEnumerable<string> spellings)
    {
        string hint = NearestName.Find(typed, spellings) is { } nearest ? $" (did you mean {nearest}?)" : "";
        return new StartupException($"cannot start: {what} is not an OtpFast setting{hint}; see Configuration in the README for the settings there are.");
    }
}
