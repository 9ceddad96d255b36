namespace OtpFast.Core.IO;

/// <summary>Creates the data directory, with our own words when it cannot be.</summary>
public static class DataDirectory
{
    /// <summary>Creates <paramref name="path"/> and any missing parents; returns its full path.</summary>
    /// <exception cref="IOException">It cannot be created; the message reads "cannot create the data directory PATH: CAUSE".</exception>
    public static string Create(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the data directory {full}: {Cause(full, e)}", e);
        }
    }

    // mkdir reports a regular file in the way as "path not found" (ENOTDIR) or "exists" (EEXIST),
    // neither of which tells the user what to fix: name the file instead.
    private static string Cause(string full, Exception e)
    {
        for (string? p = full; p is not null; p = Path.GetDirectoryName(p))
        {
            if (File.Exists(p))
            {
                return p == full ? "it is a file, not a directory" : $"{p} is a file, not a directory";
            }
        }

        return IoProblem.Describe(e);
    }
}
