using OtpFast.Core.Accounts;
using OtpFast.Core.IO;

namespace OtpFast.Server.Cli;

/// <summary><c>otpfast accounts VERB ...</c>: manages the accounts file the running server watches.</summary>
/// <remarks>
/// Exit codes: 0 done, 1 the change could not be made (no such account, bad file, an I/O failure such
/// as a full disk: one line on standard error), 64 usage error.
/// Only <c>add</c> and <c>rotate</c> print a key, and only as their last line of standard output.
/// </remarks>
internal static class AccountsCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageError = Usage.ExitCode;

    private static readonly string[] Verbs = ["add", "block", "unblock", "deactivate", "activate", "expire", "rate", "rotate", "remove", "list"];

    /// <summary>How long a rotated-out key keeps working unless --grace says otherwise.</summary>
    private const int DefaultGraceHours = 24;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var positional = new List<string>();
        string? dataDir = null;
        string? expires = null;
        string? rate = null;
        string? grace = null;
        if (args.Contains("--help") || args.Contains("-h"))
        {
            stdout.WriteLine(Usage.Accounts);
            return Ok;
        }

        for (int i = 0; i < args.Length; i++)
        {
            // An option's value is the next word, never another option: '--data-dir --rate 5' is a mistake.
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            switch (args[i])
            {
                case "--data-dir" when hasValue:
                    dataDir = args[++i];
                    break;
                case "--expires" when hasValue:
                    expires = args[++i];
                    break;
                case "--rate" when hasValue:
                    rate = args[++i];
                    break;
                case "--grace" when hasValue:
                    grace = args[++i];
                    break;
                case "--data-dir" or "--expires" or "--rate" or "--grace":
                    return UsageFailure(stderr, $"{args[i]} needs a value.");
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        return UsageFailure(stderr, $"unknown option {args[i]}.");
                    }

                    positional.Add(args[i]);
                    break;
            }
        }

        dataDir ??= Environment.GetEnvironmentVariable("OTPFAST_DataDir") is { Length: > 0 } env ? env : "./data";
        string path = AccountsFile.PathIn(dataDir);
        if (positional.Count == 0)
        {
            return UsageFailure(stderr, "missing verb.");
        }

        string verb = positional[0];
        int expected = verb switch
        {
            "list" => 1,
            "expire" or "rate" => 3,
            "add" or "block" or "unblock" or "deactivate" or "activate" or "remove" or "rotate" => 2,
            _ => -1,
        };
        if (expected < 0)
        {
            string hint = NearestName.Find(verb, Verbs) is { } known ? $" (did you mean '{known}'?)" : "";
            return UsageFailure(stderr, $"unknown verb '{verb}'{hint}.");
        }

        if (positional.Count != expected || ((expires is not null || rate is not null) && verb != "add") || (grace is not null && verb != "rotate"))
        {
            return UsageFailure(stderr, $"wrong arguments for '{verb}'.");
        }

        // A name the file could never hold is the caller's mistake, not a failed change.
        if (expected > 1 && !AccountsFile.IsValidName(positional[1]))
        {
            return UsageFailure(stderr, $"invalid account name '{positional[1]}': use 1 to 64 of A-Z a-z 0-9 . _ -");
        }

        try
        {
            return verb switch
            {
                "add" => Add(path, positional[1], expires, rate, stdout, stderr),
                "rate" => Rate(path, positional[1], positional[2], stdout, stderr),
                "rotate" => Rotate(path, positional[1], grace, stdout, stderr),
                "list" => List(path, stdout),
                "expire" => Expire(path, positional[1], positional[2], stdout, stderr),
                "unblock" => Unblock(path, positional[1], stdout, stderr),
                "remove" => Done(stdout, () => AccountsFile.Remove(path, positional[1]), $"removed {positional[1]}"),
                "block" => SetState(path, positional[1], AccountState.SendingBlocked, stdout),
                "deactivate" => SetState(path, positional[1], AccountState.Deactivated, stdout),
                _ => SetState(path, positional[1], AccountState.Active, stdout),
            };
        }
        catch (AccountsFileException e)
        {
            // I/O failures included: AccountsFile words them itself, naming the path.
            stderr.WriteLine($"otpfast accounts: {e.Message}");
            return Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Anything else, such as standard output gone: still one line, never a stack trace.
            stderr.WriteLine($"otpfast accounts: {IoProblem.Describe(e)}");
            return Failed;
        }
    }

    private static int Add(string path, string name, string? expires, string? rate, TextWriter stdout, TextWriter stderr)
    {
        int? ratePerSecond = null;
        if (rate is not null && !TryParseRate(rate, out ratePerSecond))
        {
            return UsageFailure(stderr, $"--rate must be a whole number of requests per second (0 = unlimited) or 'default'; got '{rate}'.");
        }

        DateOnly? expiresOn = null;
        if (expires is not null)
        {
            if (!AccountsFile.TryParseDate(expires, out DateOnly date))
            {
                return UsageFailure(stderr, $"--expires must be YYYY-MM-DD; got '{expires}'.");
            }

            expiresOn = date;
        }

        string key = AccountsFile.Add(path, name, expiresOn, ratePerSecond);
        stdout.WriteLine($"added account {name} to {path}; its key (shown once, only its digest is stored):");
        stdout.WriteLine(key);
        return Ok;
    }

    private static int Rotate(string path, string name, string? grace, TextWriter stdout, TextWriter stderr)
    {
        int hours = DefaultGraceHours;
        if (grace is not null && (!int.TryParse(grace, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out hours) || hours > 24 * 366))
        {
            return UsageFailure(stderr, $"--grace must be a whole number of hours from 0 to {24 * 366}; got '{grace}'.");
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        string key = AccountsFile.Rotate(path, name, TimeSpan.FromHours(hours), now);
        string old = hours == 0
            ? "the old key stopped working now"
            : $"the old key keeps working until {AccountsFile.Load(path).Accounts.Single(a => a.Name == name).PreviousKey!.Until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC";
        stdout.WriteLine($"rotated the key of {name} in {path}; {old}; live tokens keep verifying. Its new key (shown once, only its digest is stored):");
        stdout.WriteLine(key);
        return Ok;
    }

    private static int List(string path, TextWriter stdout)
    {
        AccountDirectory accounts = AccountsFile.Load(path);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        stdout.WriteLine($"{"NAME",-24} {"ID",6} {"STATE",-16} {"EXPIRES",-10} {"RATE/S",-9} OLD KEY WORKS UNTIL");
        foreach (Account a in accounts.Accounts)
        {
            string expires = a.ExpiresOn?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "never";
            string rate = a.RatePerSecond switch
            {
                null => "default",
                0 => "unlimited",
                int n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };

            // A rotation in its grace: both keys work until then.
            string oldKey = a.PreviousKey is { } previous && previous.IsValidAt(now)
                ? previous.Until.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC"
                : "-";
            stdout.WriteLine($"{a.Name,-24} {a.Id,6} {AccountStateNames.ToName(a.State),-16} {expires,-10} {rate,-9} {oldKey}");
        }

        return Ok;
    }

    private static int Expire(string path, string name, string when, TextWriter stdout, TextWriter stderr)
    {
        DateOnly? expiresOn = null;
        if (when != "never")
        {
            if (!AccountsFile.TryParseDate(when, out DateOnly date))
            {
                return UsageFailure(stderr, $"expire needs YYYY-MM-DD or never; got '{when}'.");
            }

            expiresOn = date;
        }

        AccountsFile.SetExpiry(path, name, expiresOn);
        stdout.WriteLine($"{name} expires: {when}");
        return Ok;
    }

    private static int Rate(string path, string name, string value, TextWriter stdout, TextWriter stderr)
    {
        if (!TryParseRate(value, out int? ratePerSecond))
        {
            return UsageFailure(stderr, $"rate needs a whole number of requests per second, 0 or 'unlimited', or 'default'; got '{value}'.");
        }

        AccountsFile.SetRate(path, name, ratePerSecond);
        stdout.WriteLine($"{name} rate: {value}");
        return Ok;
    }

    private static bool TryParseRate(string value, out int? ratePerSecond)
    {
        ratePerSecond = null;
        switch (value)
        {
            case "default":
                return true;
            case "unlimited":
                ratePerSecond = 0;
                return true;
            default:
                bool ok = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n);
                ratePerSecond = n;
                return ok;
        }
    }

    private static int Unblock(string path, string name, TextWriter stdout, TextWriter stderr)
    {
        Account? account = AccountsFile.Load(path).Accounts.FirstOrDefault(a => a.Name == name);
        if (account?.State == AccountState.Deactivated)
        {
            stderr.WriteLine($"otpfast accounts: {name} is deactivated, not blocked; use 'activate'.");
            return Failed;
        }

        return SetState(path, name, AccountState.Active, stdout);
    }

    private static int SetState(string path, string name, AccountState state, TextWriter stdout) =>
        Done(stdout, () => AccountsFile.SetState(path, name, state), $"{name}: {AccountStateNames.ToName(state)}");

    private static int Done(TextWriter stdout, Action change, string message)
    {
        change();
        stdout.WriteLine(message);
        return Ok;
    }

    private static int UsageFailure(TextWriter stderr, string problem) => Usage.Fail(stderr, "otpfast accounts", problem, Usage.Accounts);
}
