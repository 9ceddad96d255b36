using OtpFast.Server.Hosting;

namespace OtpFast.Server.Cli;

/// <summary>
/// Checks the server's command line before configuration reads it. ASP.NET Core's command-line
/// source takes the word after any <c>--key</c> as its value and ignores what it cannot read, so
/// <c>--version --urls http://...</c> set a "version" of "--urls" and listened on the default port.
/// Here every argument is <c>--Key value</c>, <c>--Key=value</c>, <c>Key=value</c> or a known flag;
/// anything else is a usage error, and no option ever takes another option as its value.
/// </summary>
internal static class ServerArguments
{
    /// <summary>Splits <paramref name="args"/> into settings: how each was spelt and the configuration key it sets.</summary>
    /// <param name="problem">Set when the command line is malformed: one sentence naming the argument.</param>
    public static bool TryParse(string[] args, out List<(string Spelling, string Key)> settings, out string? problem)
    {
        settings = [];
        problem = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string spelling = equals < 0 ? arg : arg[..equals];
            if (arg.StartsWith("--", StringComparison.Ordinal) && spelling.Length > 2)
            {
                if (equals < 0)
                {
                    // The value is the next word, which must be there and must not be another option.
                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        problem = SettingNames.IsKnown(KeyOf(spelling)) ? $"{spelling} needs a value." : $"unknown option {spelling}.";
                        return false;
                    }

                    i++;
                }

                settings.Add((spelling, KeyOf(spelling)));
            }
            else if (equals > 0 && !arg.StartsWith('-') && !arg.StartsWith('/'))
            {
                settings.Add((spelling, spelling));
            }
            else
            {
                // '-V', '/urls', a stray word: ASP.NET would ignore some and throw on others.
                problem = arg.StartsWith('-') ? $"unknown option {arg}." : $"unexpected argument '{arg}'.";
                return false;
            }
        }

        return true;
    }

    // Switch names match in any case, as in ASP.NET Core's command-line source.
    private static string KeyOf(string spelling) =>
        ServerOptions.SwitchMappings.FirstOrDefault(m => m.Key.Equals(spelling, StringComparison.OrdinalIgnoreCase)).Value ?? spelling[2..];
}
