using System.Text.Json;

namespace OtpFast.Server.Tests.Build;

/// <summary>
/// A data directory next to the server's project (dotnet run from its folder makes one) holds
/// keys and codes: none of it may become an item that is copied to bin/ or the publish folder
/// (the Web SDK takes every *.json as content). .ci/run checks the real publish folder too.
/// </summary>
public sealed class DataNeverShipsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("otpfast-build-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void NothingUnderADataDirectoryIsAnItemOfTheServerProject()
    {
        // The real project file and build settings, beside a developer's data and an ordinary json file.
        string project = Path.Combine(_root, "src", "OtpFast.Server");
        Directory.CreateDirectory(Path.Combine(project, "data", "nested"));
        File.Copy(Path.Combine(MsBuild.RepoRoot, "Directory.Build.props"), Path.Combine(_root, "Directory.Build.props"));
        File.Copy(Path.Combine(MsBuild.RepoRoot, "src", "OtpFast.Server", "OtpFast.Server.csproj"), Path.Combine(project, "OtpFast.Server.csproj"));
        File.WriteAllText(Path.Combine(project, "data", "accounts.json"), "{}");
        File.WriteAllText(Path.Combine(project, "data", "nested", "pairs.json"), "{}");
        File.WriteAllText(Path.Combine(project, "data", "pairs.snapshot"), "x");
        File.WriteAllText(Path.Combine(project, "ordinary.json"), "{}");

        JsonElement items = MsBuild.Evaluate("OtpFast.Server.csproj", project, "-getItem:Content", "-getItem:None", "-getItem:Compile", "-getItem:EmbeddedResource")
            .GetProperty("Items");
        List<string> all = items.EnumerateObject()
            .SelectMany(type => type.Value.EnumerateArray().Select(item => $"{type.Name} {item.GetProperty("Identity").GetString()}"))
            .ToList();

        // The evaluation does see json files as content, so the data directory's absence means something.
        Assert.Contains("Content ordinary.json", all);
        Assert.DoesNotContain(all, item => item.Contains("data/", StringComparison.Ordinal) || item.Contains("data\\", StringComparison.Ordinal));
    }
}
