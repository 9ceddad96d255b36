using System.Diagnostics;
using System.Text.Json;

namespace OtpFast.Server.Tests.Build;

/// <summary>Asks MSBuild (the SDK the tests run under) what it makes of a project, without building it.</summary>
internal static class MsBuild
{
    /// <summary>The repository root: the folder above the tests that holds OtpFast.sln.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OtpFast.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("OtpFast.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Evaluates <paramref name="project"/> from <paramref name="workingDirectory"/> and returns the JSON of the asked items and properties.</summary>
    /// <param name="query">e.g. <c>-getItem:Content</c>, <c>-getProperty:RunWorkingDirectory</c>.</param>
    public static JsonElement Evaluate(string project, string workingDirectory, params string[] query)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["msbuild", project, "-nologo", .. query])
        {
            start.ArgumentList.Add(arg);
        }

        // dotnet test sets these for its own MSBuild; a child evaluation must find its SDK afresh.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "msbuild did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, $"msbuild exited {process.ExitCode}: {stdout} {stderr.Result}");

        // One -getProperty alone prints the bare value; anything else prints JSON.
        return stdout.TrimStart().StartsWith('{') ? JsonDocument.Parse(stdout).RootElement.Clone() : JsonSerializer.SerializeToElement(stdout.Trim());
    }
}
