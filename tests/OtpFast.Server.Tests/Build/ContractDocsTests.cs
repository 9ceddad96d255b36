namespace OtpFast.Server.Tests.Build;

/// <summary>Issue 11, item 5: the project owns its contract; the README points inside the repository.</summary>
public sealed class ContractDocsTests
{
    [Fact]
    public void TheReadmeLinksTheContractKeptInTheRepositoryNotOneOutsideIt()
    {
        string readme = File.ReadAllText(Path.Combine(MsBuild.RepoRoot, "README.md"));
        string contract = File.ReadAllText(Path.Combine(MsBuild.RepoRoot, "docs", "API.md"));

        Assert.Contains("docs/API.md", readme, StringComparison.Ordinal);
        Assert.Contains("docs/openapi.json", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("../shared/API.md", readme, StringComparison.Ordinal);

        // The contract in the repository describes what the server does now, not the first draft.
        foreach (string ours in new[] { "verified", "Too Many Failed Verifies", "Resend Cooldown Active", "tombstone" })
        {
            Assert.Contains(ours, contract, StringComparison.OrdinalIgnoreCase);
        }
    }
}
