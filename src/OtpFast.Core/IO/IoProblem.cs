namespace OtpFast.Core.IO;

/// <summary>
/// One line of our own text for a file-system failure. The Native AOT build strips .NET's
/// resource strings (messages read like <c>IO_PathNotFound_Path</c>), so the cause is taken
/// from the exception's type and errno instead.
/// </summary>
public static class IoProblem
{
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            // Our own wrappers already say what happened.
            IOException { InnerException: not null } wrapped when wrapped.Message.StartsWith("cannot ", StringComparison.Ordinal) => wrapped.Message,
            UnauthorizedAccessException => "permission denied (or a read-only file system)",
            DirectoryNotFoundException => "the directory does not exist",
            FileNotFoundException => "the file does not exist",
            PathTooLongException => "the path is too long",

            // On Unix, .NET sets a raw errno failure's HResult to the errno itself.
            IOException io when io.HResult is > 0 and < 4096 => DiskSync.Describe(io.HResult),
            _ => e.GetType().Name,
        };
    }
}
