using System.Diagnostics;

namespace OtpFast.Tests;

/// <summary>
/// A small tmpfs mounted for one test: a real full or read-only file system, which chmod cannot
/// give (it does not stop root, and CI runs as root). Needs root with mount permission.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<bool> CanMountHere = new(Probe);

    private Tmpfs(string path) => Path = path;

    /// <summary>Where it is mounted.</summary>
    public string Path { get; }

    public static bool CanMount => CanMountHere.Value;

    /// <summary>Mounts a new tmpfs (64 KiB unless told) on a fresh temporary directory.</summary>
    public static Tmpfs Mount(int kilobytes = 64)
    {
        string dir = Directory.CreateTempSubdirectory("otpfast-tmpfs-").FullName;
        try
        {
            Exec("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k,mode=0700", "tmpfs", dir);
        }
        catch
        {
            Directory.Delete(dir);
            throw;
        }

        return new Tmpfs(dir);
    }

    /// <summary>Writes zeros until the file system answers ENOSPC.</summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
            // Full.
        }
    }

    /// <summary>Frees the space <see cref="Fill"/> took.</summary>
    public void Empty() => File.Delete(System.IO.Path.Combine(Path, "filler"));

    public void MakeReadOnly() => Exec("mount", "-o", "remount,ro", Path);

    public void Dispose()
    {
        // Lazy, so that a file a failed test left open cannot leave the mount behind.
        Exec("umount", "-l", Path);
        Directory.Delete(Path);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            using Tmpfs probe = Mount();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no mount command
        }
    }

    private static void Exec(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} exited {process.ExitCode}: {error}");
        }
    }
}

/// <summary>A fact that needs a <see cref="Tmpfs"/>; where the tests cannot mount, it is skipped and the results say why.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (!Tmpfs.CanMount)
        {
            Skip = "needs to mount a tmpfs (root with mount permission, as CI runs) for a real full or read-only file system";
        }
    }
}
