namespace OtpFast.Server.Tests;

internal static class Stderr
{
    /// <summary>The one line that was written; fails on more, on a stack trace, or on a .NET resource key.</summary>
    public static string OneLine(string stderr)
    {
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("IO_", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        return line;
    }
}
