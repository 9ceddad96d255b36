using System.Globalization;

namespace OtpFast.Core.IO;

/// <summary>
/// One process per data directory: an exclusive lock on <c>otpfast.lock</c>, held until disposed,
/// and the holder's PID in <c>otpfast.pid</c> beside it so that a second server can name it.
/// </summary>
/// <remarks>
/// On Unix, .NET takes <c>flock(LOCK_EX|LOCK_NB)</c> on a file opened with <see cref="FileShare.None"/>
/// (on Windows, the share mode does the same). The kernel drops the lock when the process ends,
/// however it ends, so a crash never leaves a stale lock behind. A held lock also fails every
/// other .NET open of the lock file, which is why the PID lives in a file of its own. The lock
/// file is never deleted: deleting it would let a newcomer lock a fresh file of the same name
/// while the holder still holds the old one.
/// </remarks>
public sealed class DataDirLock : IDisposable
{
    public const string LockFileName = "otpfast.lock";
    public const string PidFileName = "otpfast.pid";

    private readonly FileStream _lock;
    private readonly string _pidPath;
    private bool _disposed;

    private DataDirLock(string directory, FileStream held, string pidPath)
    {
        Directory = directory;
        _lock = held;
        _pidPath = pidPath;
    }

    /// <summary>The data directory's full path.</summary>
    public string Directory { get; }

    /// <summary>
    /// Creates the data directory if it is missing and locks it; null when another process holds
    /// the lock, with that process's PID in <paramref name="holderPid"/> (null if it cannot be read).
    /// </summary>
    /// <exception cref="IOException">The directory or its lock file cannot be created or opened; the message says which and why.</exception>
    public static DataDirLock? TryAcquire(string dataDir, out int? holderPid)
    {
        string directory = DataDirectory.Create(dataDir);
        string lockPath = Path.Combine(directory, LockFileName);
        string pidPath = Path.Combine(directory, PidFileName);
        holderPid = null;
        FileStream held;
        try
        {
            held = new FileStream(lockPath, PrivateFile.Options(FileMode.OpenOrCreate, FileAccess.ReadWrite));
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            holderPid = ReadPid(pidPath);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot open the lock file {lockPath}: {IoProblem.Describe(e)}", e);
        }

        WritePid(pidPath);
        return new DataDirLock(directory, held, pidPath);
    }

    /// <summary>Whether an open failed because another process (or another open in this one) holds the file's lock.</summary>
    public static bool IsLockConflict(IOException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        const int EWouldBlockLinux = 11;
        const int EWouldBlockBsd = 35;
        const int SharingViolation = unchecked((int)0x80070020);
        return e.HResult == (OperatingSystem.IsWindows() ? SharingViolation : OperatingSystem.IsLinux() ? EWouldBlockLinux : EWouldBlockBsd);
    }

    /// <summary>Removes the PID file, then releases the lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        TryDelete(_pidPath);
        _lock.Dispose();
    }

    private static int? ReadPid(string pidPath)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The PID only names the holder in a second server's message: a full disk must not stop the
    // server for it, but a stale or half-written PID must not be left to mislead.
    private static void WritePid(string pidPath)
    {
        try
        {
            File.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(pidPath);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The lock is what matters; a PID file left behind is rewritten by the next holder.
        }
    }
}
