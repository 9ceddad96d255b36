namespace OtpFast.Core.IO;

/// <summary>Opens files readable and writable by the owner only (mode 0600): accounts and snapshots.</summary>
public static class PrivateFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <param name="share">What other opens may do meanwhile; on Unix .NET maps None to an exclusive flock, anything else to a shared one.</param>
    public static FileStreamOptions Options(FileMode mode, FileAccess access, FileShare share = FileShare.None)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Mode;
        }

        return options;
    }

    /// <summary>Sets mode 0600 on an existing file (creation modes apply only to new files).</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, Mode);
        }
    }
}
