using System.Collections;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Runs the server from the command line: refuses unknown settings, builds, starts listening,
/// waits for SIGTERM or SIGINT. Any failure before it listens is one line and exit code 2,
/// never an unhandled exception (exit 134, a stack trace, and .NET resource keys).
/// </summary>
internal static class ServerRun
{
    /// <param name="settings">The command line's settings, as <see cref="Cli.ServerArguments"/> parsed them.</param>
    public static int Run(string[] args, IEnumerable<(string Spelling, string Key)> settings, IDictionary environment, TextWriter stdout, TextWriter stderr)
    {
        WebApplication? app = null;
        try
        {
            SettingNames.RefuseUnknown(settings, environment);
            app = ServerHost.Build(args, console: stdout);
            app.Start();
        }
        catch (Exception e)
        {
            stderr.WriteLine($"otpfast: {StartupFailure.Describe(e)}");

            // Releases the data directory's lock, for a caller that goes on (the tests run in-process).
            app?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return ExitCodes.CannotStart;
        }

        PairPersistence? persistence = app.Services.GetService<PairPersistence>();
        try
        {
            app.WaitForShutdown();
        }
        finally
        {
            // As WebApplication.Run does: disposing releases the data directory's lock last.
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return persistence is not { PersistedOnStop: false } ? ExitCodes.Ok : ExitCodes.PersistFailed;
    }
}
