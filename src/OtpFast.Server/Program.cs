using OtpFast.Core.IO;
using OtpFast.Server.Cli;
using OtpFast.Server.Hosting;

namespace OtpFast.Server;

/// <summary>One binary: the server by default, plus the <c>accounts</c> and <c>health</c> verbs.</summary>
internal static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Everything <see cref="Main"/> does, with the console passed in; returns the exit code.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 0)
        {
            switch (args[0])
            {
                case "accounts":
                    return AccountsCommand.Run(args[1..], stdout, stderr);
                case "health":
                    return HealthCommand.Run(args[1..], stdout, stderr);
                case "-h" or "--help" or "help":
                    stdout.WriteLine(Usage.Text);
                    return 0;
            }
        }

        WebApplication app;
        try
        {
            app = ServerHost.Build(args, console: stdout);
        }
        catch (StartupException e)
        {
            stderr.WriteLine($"otpfast: {e.Message}");
            return ExitCodes.CannotStart;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Outside the data directory, e.g. an unreadable appsettings.json.
            stderr.WriteLine($"otpfast: cannot start: {IoProblem.Describe(e)}");
            return ExitCodes.CannotStart;
        }

        PairPersistence persistence = app.Services.GetRequiredService<PairPersistence>();
        app.Run();
        return persistence.PersistedOnStop ? ExitCodes.Ok : ExitCodes.PersistFailed;
    }
}
