using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OtpFast.Core.IO;

/// <summary>
/// The two syncs .NET does not offer: <c>fdatasync</c> of a file (an append needs its data and
/// size on disk, not its timestamps) and <c>fsync</c> of a directory (a rename or a new file is
/// only durable once its directory entry is). Failures are IOExceptions whose HResult is the
/// errno, as .NET's own are on Unix.
/// </summary>
public static partial class DiskSync
{
    // O_RDONLY opens a directory on Linux; O_DIRECTORY would only add a check, and its value
    // differs between architectures (0x10000 on x86-64 is O_DIRECT on arm64, which directories refuse).
    private const int ORdOnly = 0;
    private const int OCloexec = 0x80000;

    /// <summary>Flushes a file's data (and the size that reaches it) to disk.</summary>
    /// <exception cref="IOException">The disk refused it (for example, no space left).</exception>
    public static void FlushData(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsWindows())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }

        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (FDataSync((int)file.DangerousGetHandle()) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fdatasync failed: {Describe(errno)}", errno);
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Makes the entries of <paramref name="directory"/> (new, renamed or deleted files) durable.</summary>
    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void FlushDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals directory changes with the rename itself.
        }

        int fd = Open(directory, ORdOnly | OCloexec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open directory {directory} to sync it: {Describe(errno)}", errno);
        }

        try
        {
            if (FSync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"cannot sync directory {directory}: {Describe(errno)}", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Our own words for the errno values a data directory meets (the AOT build strips .NET's messages).</summary>
    public static string Describe(int errno) => errno switch
    {
        1 => "operation not permitted (EPERM)",
        2 => "no such file or directory (ENOENT)",
        5 => "input/output error (EIO)",
        11 => "in use by another process (EAGAIN)",
        13 => "permission denied (EACCES)",
        20 => "not a directory (ENOTDIR)",
        28 => "no space left on device (ENOSPC)",
        30 => "read-only file system (EROFS)",
        122 => "disk quota exceeded (EDQUOT)",
        _ => $"errno {errno}",
    };

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
