using System.IO.Hashing;
using OtpFast.Core.Accounts;

namespace OtpFast.Server.Accounts;

/// <summary>
/// Polls the accounts file and swaps in the new set when it changes, so CLI edits reach the
/// running server without a restart (within one poll interval, 500 ms by default).
/// </summary>
/// <remarks>
/// Polling is used rather than a file-system watcher: the CLI replaces the file by rename, which
/// watchers on some file systems (network, overlay) miss. What is compared is a hash of the
/// content (XxHash128 of a few KB, microseconds), not the size and modification time: an edit
/// that keeps both (same-length change within the clock's resolution, or a restored mtime) must
/// still be seen. A file that fails to load leaves the last good set in force and is logged
/// once per change.
/// </remarks>
internal sealed partial class AccountsReloader : BackgroundService
{
    private readonly string _path;
    private readonly AccountsHolder _holder;
    private readonly ILogger<AccountsReloader> _logger;
    private readonly TimeSpan _interval;
    private UInt128 _seen;

    public AccountsReloader(string path, AccountsHolder holder, ILogger<AccountsReloader> logger, TimeSpan interval)
    {
        _path = path;
        _holder = holder;
        _logger = logger;
        _interval = interval;
        _seen = Fingerprint(path) ?? default;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                CheckOnce();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>Reloads if the file changed since the last look.</summary>
    internal void CheckOnce()
    {
        // Unreadable for a moment (replaced, permissions): look again next time.
        if (Fingerprint(_path) is not UInt128 fingerprint || fingerprint == _seen)
        {
            return;
        }

        _seen = fingerprint;
        try
        {
            AccountDirectory accounts = AccountsFile.Load(_path);
            _holder.Replace(accounts);
            LogReloaded(accounts.Accounts.Count);
        }
        catch (AccountsFileException e)
        {
            LogReloadFailed(e.Message);
        }
    }

    // A missing file has its own fingerprint (0), so its disappearance is a change too.
    private static UInt128? Fingerprint(string path)
    {
        try
        {
            return XxHash128.HashToUInt128(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return UInt128.Zero;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Accounts reloaded: {Count} accounts")]
    private partial void LogReloaded(int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Accounts file not reloaded, keeping the last good set: {Problem}")]
    private partial void LogReloadFailed(string problem);
}
