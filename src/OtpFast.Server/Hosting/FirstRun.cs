using OtpFast.Core.Accounts;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Zero-config first start: with no accounts file, create one holding a <c>default</c> account
/// and print its key once, with a curl line ready to paste.
/// </summary>
internal static class FirstRun
{
    public const string DefaultAccountName = "default";

    /// <param name="cli">How to run the CLI the way this server was started (<see cref="CliInvocation"/>).</param>
    public static void CreateDefaultAccount(string accountsPath, string? urls, string cli, TextWriter output)
    {
        string key = AccountsFile.CreateWith(accountsPath, DefaultAccountName);
        string baseUrl = FirstUrl(urls);

        // Absolute: under dotnet run or a service manager, "./data" says nothing of where it is.
        string fullPath = Path.GetFullPath(accountsPath);
        output.WriteLine($$"""
            OtpFast first start: created {{fullPath}} with the account '{{DefaultAccountName}}'.
            Its API key is shown this once; only its SHA-256 digest is stored:

                {{key}}

            Try it:

                curl -s {{baseUrl}}/v4/requestOneTimeCode -d '{"apiKey":"{{key}}","tokenCreator":"user@example.com","expiry":300}'

            More accounts: {{cli}} accounts add NAME --data-dir {{Path.GetDirectoryName(fullPath)}}
            """);
        output.Flush();
    }

    // The first listening address, with a wildcard host turned into one curl can reach.
    private static string FirstUrl(string? urls)
    {
        string first = (urls ?? ServerOptions.DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? ServerOptions.DefaultUrls;
        return first.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .TrimEnd('/');
    }
}
