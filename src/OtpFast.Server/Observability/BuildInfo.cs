using System.Reflection;

namespace OtpFast.Server.Observability;

/// <summary>The version and commit this binary was built from, as the SDK stamps them ("1.0.0+COMMIT").</summary>
internal static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Version { get; } = Informational.Split('+')[0];

    /// <summary>The git commit, or "unknown" for a build outside a git checkout.</summary>
    public static string Commit { get; } = Informational.Contains('+', StringComparison.Ordinal) ? Informational[(Informational.IndexOf('+', StringComparison.Ordinal) + 1)..] : "unknown";
}
