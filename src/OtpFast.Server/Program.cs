using System.Collections;
using OtpFast.Server.Cli;
using OtpFast.Server.Hosting;

namespace OtpFast.Server;

/// <summary>One binary: the server by default, plus the <c>accounts</c>, <c>health</c> and <c>version</c> verbs.</summary>
internal static class Program
{
    private static readonly string[] Verbs = ["accounts", "health", "version", "help"];

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, Environment.GetEnvironmentVariables());

    /// <summary>Everything <see cref="Main"/> does, with the console and the environment passed in; returns the exit code.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IDictionary environment)
    {
        // A first word that is no option and no Key=value setting is a verb; an unknown one must
        // not fall through to starting a server (in a fresh directory that made an account).
        if (args.Length > 0 && !args[0].StartsWith('-') && !args[0].Contains('=', StringComparison.Ordinal))
        {
            string[] rest = args[1..];
            switch (args[0])
            {
                case "accounts":
                    return AccountsCommand.Run(rest, stdout, stderr);
                case "health":
                    return HealthCommand.Run(rest, stdout, stderr);
                case "version":
                    return VersionCommand.Run(rest, stdout, stderr);
                case "help":
                    stdout.WriteLine(Usage.Text);
                    return 0;
                default:
                    string hint = NearestName.Find(args[0], Verbs) is { } verb ? $" (did you mean '{verb}'?)" : "";
                    return Usage.Fail(stderr, "otpfast", $"unknown command '{args[0]}'{hint}.", Usage.Text);
            }
        }

        if (args.Contains("--help") || args.Contains("-h"))
        {
            stdout.WriteLine(Usage.Text);
            return 0;
        }

        if (args.Contains("--version"))
        {
            stdout.WriteLine(VersionCommand.Line);
            return 0;
        }

        if (!ServerArguments.TryParse(args, out List<(string Spelling, string Key)> settings, out string? problem))
        {
            return Usage.Fail(stderr, "otpfast", problem!, Usage.Text);
        }

        return ServerRun.Run(args, settings, environment, stdout, stderr);
    }
}
