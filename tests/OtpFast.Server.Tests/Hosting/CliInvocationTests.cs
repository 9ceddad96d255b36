using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>The first-start banner's CLI line works the way the server was started.</summary>
public sealed class CliInvocationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("otpfast-cli-line-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void UnderDotnetRunItIsDotnetRunOfTheProject()
    {
        string project = Path.Combine(_root, "src", "OtpFast.Server");
        Directory.CreateDirectory(Path.Combine(project, "bin", "Release", "net10.0"));
        File.WriteAllText(Path.Combine(project, "OtpFast.Server.csproj"), "<Project />");
        string binary = Path.Combine(project, "bin", "Release", "net10.0", "otpfast");

        Assert.Equal("dotnet run -c Release --project src/OtpFast.Server --", CliInvocation.For(binary, _root, "/usr/bin"));

        // From outside the repository the project's path is absolute, so the line still works.
        Assert.Equal($"dotnet run -c Release --project {project} --", CliInvocation.For(binary, Path.Combine(_root, "elsewhere"), "/usr/bin"));
    }

    [Fact]
    public void APublishedBinaryIsCalledByNameOnThePathElseByItsPath()
    {
        string binary = Path.Combine(_root, "app", "otpfast");
        Assert.Equal("otpfast", CliInvocation.For(binary, "/", $"/usr/bin:{_root}/app"));
        Assert.Equal(binary, CliInvocation.For(binary, "/", "/usr/bin"));
        Assert.Equal("./otpfast", CliInvocation.For(binary, Path.Combine(_root, "app"), "/usr/bin"));
        Assert.Equal("'/opt/one time/otpfast'", CliInvocation.For("/opt/one time/otpfast", "/", "/usr/bin"));
    }

    [Fact]
    public void AnotherHostProcessFallsBackToTheCommandName() =>
        Assert.Equal("otpfast", CliInvocation.For("/usr/share/dotnet/dotnet", "/", "/usr/bin"));
}
