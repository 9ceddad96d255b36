namespace OtpFast.Server.Tests.Build;

/// <summary>
/// dotnet run starts the server in the folder it was run from, as the binary would be, so the
/// README's set-up command, run from the repository root, keeps its data in the root's ./data
/// (by default dotnet run uses the project's folder, where data would then reach a build).
/// </summary>
public sealed class DotnetRunDirectoryTests
{
    [Fact]
    public void DotnetRunFromTheRepositoryRootRunsTheServerThere()
    {
        string root = MsBuild.RepoRoot;
        string directory = MsBuild.Evaluate("src/OtpFast.Server/OtpFast.Server.csproj", root, "-getProperty:RunWorkingDirectory").GetString()!;
        Assert.Equal(root.TrimEnd('/'), directory.TrimEnd('/'));
    }

    [Fact]
    public void DotnetRunFromElsewhereRunsTheServerWhereItWasRun()
    {
        string elsewhere = Directory.CreateTempSubdirectory("otpfast-run-").FullName;
        try
        {
            string project = Path.Combine(MsBuild.RepoRoot, "src", "OtpFast.Server", "OtpFast.Server.csproj");
            string directory = MsBuild.Evaluate(project, elsewhere, "-getProperty:RunWorkingDirectory").GetString()!;
            Assert.Equal(elsewhere.TrimEnd('/'), directory.TrimEnd('/'));
        }
        finally
        {
            Directory.Delete(elsewhere);
        }
    }
}
