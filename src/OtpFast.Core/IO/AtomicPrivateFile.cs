namespace OtpFast.Core.IO;

/// <summary>
/// Replaces a private file (mode 0600) so that a crash at any moment leaves either the old
/// content or the new content whole: write a temp file, fsync it, rename it over the target,
/// fsync the directory. The accounts file and the snapshot are written through here.
/// </summary>
public static class AtomicPrivateFile
{
    /// <summary>The temp file beside <paramref name="path"/> that a write goes through.</summary>
    public static string TempPathFor(string path) => path + ".tmp";

    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    /// <remarks>On any failure the temp file is removed (a partial temp must not keep a full disk full) and the old file is untouched.</remarks>
    /// <exception cref="IOException">The data could not be made durable; the message says why.</exception>
    public static T Write<T>(string path, Func<FileStream, T> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temp = TempPathFor(full);
        string directory = Path.GetDirectoryName(full) ?? ".";
        T result;
        try
        {
            using (var file = new FileStream(temp, PrivateFile.Options(FileMode.Create, FileAccess.Write)))
            {
                result = write(file);
                file.Flush(flushToDisk: true);
            }

            // A temp left by an earlier crash keeps its old mode: set it again.
            PrivateFile.Restrict(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write {full}: {IoProblem.Describe(e)}", e);
        }

        DiskSync.FlushDirectory(directory);
        return result;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done; the caller reports the original failure.
        }
    }
}
