using OtpFast.Core.Accounts;

namespace OtpFast.Server.Accounts;

/// <summary>
/// Polls the accounts file and swaps in the new set when it changes, so CLI edits reach the
/// running server without a restart (within one poll interval, 500 ms by default).
/// </summary>
/// <remarks>
/// Polling the file's identity (write time, size) is used rather than a file-system watcher:
/// the CLI replaces the file by rename, which watchers on some file systems (network, overlay)
/// miss. A file that fails to load leaves the last good set in force and is logged once per change.
/// </remarks>
internal sealed partial class AccountsReloader : BackgroundService
{
    private readonly string _path;
    private readonly AccountsHolder _holder;
    private readonly ILogger<AccountsReloader> _logger;
    private readonly TimeSpan _interval;
    private (DateTime WriteTime, long Length) _seen;

    public AccountsReloader(string path, AccountsHolder holder, ILogger<AccountsReloader> logger, TimeSpan interval)
    {
        _path = path;
        _holder = holder;
        _logger = logger;
        _interval = interval;
        _seen = Identity(path);
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
        (DateTime, long) identity = Identity(_path);
        if (identity == _seen)
        {
            return;
        }

        _seen = identity;
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

    private static (DateTime, long) Identity(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accounts reloaded: {Count} accounts")]
    private partial void LogReloaded(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Accounts file not reloaded, keeping the last good set: {Problem}")]
    private partial void LogReloadFailed(string problem);
}
