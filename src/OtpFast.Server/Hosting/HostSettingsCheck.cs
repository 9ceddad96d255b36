using System.Globalization;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Checks the ASP.NET Core settings OtpFast relies on (Urls, log levels) before the host reads them:
/// the host would fail later with an exception whose text the AOT build reduces to a resource key
/// (<c>ValueNotSupported, Bogus</c>, <c>Arg_ParamName_Name, port</c>) and a stack trace.
/// </summary>
internal static class HostSettingsCheck
{
    private const string UrlsFix = "give --urls http://HOST:PORT (several separated by ';'), e.g. http://127.0.0.1:5080.";

    /// <exception cref="StartupException">A URL or a log level is unusable; the message names it and the fix.</exception>
    public static void Check(IConfiguration config)
    {
        CheckUrls(config["Urls"]);
        foreach ((string key, string? value) in config.GetSection("Logging").AsEnumerable())
        {
            // Logging:LogLevel:CATEGORY, or a provider's own Logging:PROVIDER:LogLevel:CATEGORY.
            string[] path = key.Split(':');
            bool isLevel = value is not null && path.Length >= 3 && (path[1].Equals("LogLevel", StringComparison.OrdinalIgnoreCase)
                || (path.Length >= 4 && path[2].Equals("LogLevel", StringComparison.OrdinalIgnoreCase)));
            if (isLevel && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                throw new StartupException(
                    $"cannot start: {key} must be one of Trace, Debug, Information, Warning, Error, Critical, None; got '{value}'.");
            }
        }
    }

    /// <summary>Each of the ';'-separated URLs must be SCHEME://HOST[:PORT][/] with a port 0..65535 (0: any free port).</summary>
    public static void CheckUrls(string? urls)
    {
        string[] each = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (each.Length == 0)
        {
            throw new StartupException($"cannot start: Urls is empty; {UrlsFix}");
        }

        foreach (string url in each)
        {
            int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
            string scheme = schemeEnd < 0 ? "" : url[..schemeEnd];
            if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                throw new StartupException($"cannot start: Urls: '{url}' is not an http:// or https:// URL; {UrlsFix}");
            }

            string rest = url[(schemeEnd + 3)..];
            if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
            {
                continue; // A Unix domain socket: http://unix:/run/otpfast.sock
            }

            int pathStart = rest.IndexOf('/', StringComparison.Ordinal);
            string authority = pathStart < 0 ? rest : rest[..pathStart];
            if (pathStart >= 0 && rest.Length > pathStart + 1)
            {
                throw new StartupException($"cannot start: Urls: '{url}' has a path; OtpFast answers at the root, so {UrlsFix}");
            }

            // The port follows the last ':' outside an IPv6 literal's brackets.
            int hostEnd = authority.StartsWith('[') ? authority.IndexOf(']', StringComparison.Ordinal) : 0;
            int colon = hostEnd < 0 ? -1 : authority.IndexOf(':', hostEnd);
            string host = colon < 0 ? authority : authority[..colon];
            if (host.Length == 0 || hostEnd < 0 || host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                throw new StartupException($"cannot start: Urls: '{url}' names no host; {UrlsFix}");
            }

            if (colon >= 0)
            {
                string port = authority[(colon + 1)..];
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
                {
                    throw new StartupException($"cannot start: Urls: '{url}' has the port '{port}', not a number from 0 to 65535; {UrlsFix}");
                }
            }
        }
    }
}
