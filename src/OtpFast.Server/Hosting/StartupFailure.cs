using System.Globalization;
using Microsoft.AspNetCore.Connections;
using OtpFast.Core.Accounts;
using OtpFast.Core.IO;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Turns what can go wrong with the data directory at start into one line:
/// <c>cannot start: WHAT PATH: CAUSE; FIX</c>, in our own words (the AOT build strips .NET's).
/// </summary>
internal static class StartupFailure
{
    /// <summary>Creates the data directory if needed and takes its lock (see <see cref="DataDirLock"/>).</summary>
    /// <exception cref="StartupException">Another server holds it, or it cannot be created or locked.</exception>
    public static DataDirLock LockDataDir(string dataDir)
    {
        try
        {
            return DataDirLock.TryAcquire(dataDir, out int? holder) ?? throw new StartupException(
                $"cannot start: the data directory {Path.GetFullPath(dataDir)} is in use by another OtpFast server " +
                $"(PID {holder?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}); stop it or choose another --data-dir.");
        }
        catch (IOException e)
        {
            throw FromIo(e, dataDir);
        }
    }

    /// <summary>
    /// The one line for anything that stopped the server from starting (after "otpfast: "):
    /// our own message when we raised it, else our words for what the framework threw.
    /// </summary>
    public static string Describe(Exception e) => e switch
    {
        StartupException => e.Message,

        // Kestrel could not bind: its message names the address ("Failed to bind to address URL: address already in use.").
        IOException { InnerException: AddressInUseException } =>
            $"cannot start: {AddressOf(e.Message)} is already in use by another process; stop that process or choose another --urls.",
        IOException or UnauthorizedAccessException =>
            $"cannot start: {IoProblem.Describe(e)}; check the paths in the settings (--data-dir, appsettings.json).",
        _ => $"cannot start: {e.GetBaseException().Message}",
    };

    private static string AddressOf(string message)
    {
        // The URL sits between "address " and the ": " after it; failing that, say "an address of --urls".
        int start = message.IndexOf("address ", StringComparison.Ordinal);
        int end = start < 0 ? -1 : message.IndexOf(": ", start, StringComparison.Ordinal);
        return end < 0 ? "an address of --urls" : message[(start + "address ".Length)..end];
    }

    /// <summary>An I/O failure; our helpers' messages already name what and where, a raw one is put on the data directory.</summary>
    public static StartupException FromIo(Exception e, string dataDir)
    {
        // Our helpers' messages (DataDirectory, DataDirLock, AtomicPrivateFile, DiskSync) start so.
        string problem = e is IOException && e.Message.StartsWith("cannot ", StringComparison.Ordinal) ? e.Message : IoProblem.Describe(e);
        if (!problem.StartsWith("cannot ", StringComparison.Ordinal))
        {
            problem = $"cannot use the data directory {Path.GetFullPath(dataDir)}: {problem}";
        }

        return new StartupException($"cannot start: {problem}; {Fix(e)}", e);
    }

    /// <summary>The accounts file is unusable: corrupt (the message says where) or not readable or writable (then also what to do).</summary>
    public static StartupException FromAccounts(AccountsFileException e) =>
        Root(e) is IOException or UnauthorizedAccessException
            ? new StartupException($"cannot start: {e.Message}; {Fix(e)}", e)
            : new StartupException($"cannot start: {e.Message}", e);

    private static string Fix(Exception e) => Root(e) switch
    {
        UnauthorizedAccessException or IOException { HResult: Errno.EPerm or Errno.EAcces or Errno.ERofs } =>
            "make the data directory writable, or choose another --data-dir.",
        IOException { HResult: Errno.ENoSpc or Errno.EDQuot } => "free space on its file system, or choose another --data-dir.",
        _ => "choose another --data-dir.",
    };

    private static Exception Root(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    // .NET sets a raw errno failure's HResult to the errno itself on Unix (Linux values).
    private static class Errno
    {
        public const int EPerm = 1;
        public const int EAcces = 13;
        public const int ENoSpc = 28;
        public const int ERofs = 30;
        public const int EDQuot = 122;
    }
}
