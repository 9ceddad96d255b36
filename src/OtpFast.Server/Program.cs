using OtpFast.Server.Cli;
using OtpFast.Server.Hosting;

namespace OtpFast.Server;

/// <summary>One binary: the server by default, plus the <c>accounts</c> and <c>health</c> verbs.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0)
        {
            switch (args[0])
            {
                case "accounts":
                    return AccountsCommand.Run(args[1..], Console.Out, Console.Error);
                case "health":
                    return HealthCommand.Run(args[1..], Console.Out, Console.Error);
                case "-h" or "--help" or "help":
                    Console.Out.WriteLine(Usage.Text);
                    return 0;
            }
        }

        try
        {
            WebApplication app = ServerHost.Build(args);
            PairPersistence persistence = app.Services.GetRequiredService<PairPersistence>();
            app.Run();
            return persistence.PersistedOnStop ? ExitCodes.Ok : ExitCodes.PersistFailed;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"otpfast: {e.Message}");
            return ExitCodes.CannotStart;
        }
    }
}
