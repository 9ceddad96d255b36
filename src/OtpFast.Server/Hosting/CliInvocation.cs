namespace OtpFast.Server.Hosting;

/// <summary>
/// How a user runs the CLI the way this server was started, for the first-start banner:
/// <c>dotnet run -c Release --project src/OtpFast.Server --</c> under <c>dotnet run</c> (there is no
/// <c>otpfast</c> command then), <c>otpfast</c> when the binary is on the PATH, else its path.
/// </summary>
internal static class CliInvocation
{
    private const string BinaryName = "otpfast";

    public static string Current =>
        For(Environment.ProcessPath, Environment.CurrentDirectory, Environment.GetEnvironmentVariable("PATH"));

    /// <param name="processPath">The running executable.</param>
    /// <param name="currentDirectory">Where the user is, so a project path can be given relative to it.</param>
    /// <param name="pathVariable">The PATH variable, ':'-separated.</param>
    public static string For(string? processPath, string currentDirectory, string? pathVariable)
    {
        if (processPath is null || Path.GetFileName(processPath) != BinaryName)
        {
            return BinaryName;
        }

        string binaryDir = Path.GetDirectoryName(processPath)!;

        // dotnet run starts PROJECT/bin/CONFIGURATION/TFM/otpfast (a build, not a publish).
        DirectoryInfo? tfm = new(binaryDir);
        DirectoryInfo? configuration = tfm.Parent;
        DirectoryInfo? bin = configuration?.Parent;
        if (bin is { Name: "bin", Parent: { } project } && project.EnumerateFiles("*.csproj").Any())
        {
            // Relative when the project is below where the user is (the README's repository root).
            string relative = Path.GetRelativePath(currentDirectory, project.FullName);
            string projectPath = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? project.FullName : relative;
            return $"dotnet run -c {configuration!.Name} --project {Quote(projectPath)} --";
        }

        bool onPath = (pathVariable ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => Path.GetFullPath(dir, currentDirectory).TrimEnd('/') == binaryDir.TrimEnd('/'));
        if (onPath)
        {
            return BinaryName;
        }

        return binaryDir == currentDirectory.TrimEnd('/') ? "./" + BinaryName : Quote(processPath);
    }

    // Single quotes for a shell, only when the path needs them.
    private static string Quote(string path) =>
        path.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-')) ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;
}
