using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Core.Store.InMemory.Journal;

namespace OtpFast.Core.Tests.Store.Journal;

public sealed class DurabilityModeTests
{
    [Fact]
    public void SafeWaitsForConsumesLocksAndReplacementsOnly()
    {
        using var j = new JournaledStore(DurabilityMode.Safe, maxAttempts: 2);
        Assert.Equal(0, Issue(j, "a", reCreate: false).Commit);
        Assert.NotEqual(0, Issue(j, "a", reCreate: true).Commit);
        PendingIssue b = Issue(j, "b", reCreate: false);
        Assert.Equal(0, Verify(j, b, wrong: true).Commit);
        Assert.NotEqual(0, Verify(j, b, wrong: true).Commit);
        PendingIssue c = Issue(j, "c", reCreate: false);
        Assert.NotEqual(0, Verify(j, c, wrong: false).Commit);
        Assert.Equal(0, Verify(j, c, wrong: false).Commit);
    }

    [Fact]
    public void StrictWaitsForEveryAnswerThatDependsOnARecord()
    {
        using var j = new JournaledStore(DurabilityMode.Strict);
        PendingIssue a = Issue(j, "a", reCreate: false);
        Assert.NotEqual(0, a.Commit);
        Assert.NotEqual(0, Issue(j, "a", reCreate: false).Commit);
        Assert.NotEqual(0, Verify(j, a, wrong: true).Commit);
        Assert.NotEqual(0, Verify(j, a, wrong: false).Commit);
        Assert.NotEqual(0, Verify(j, a, wrong: false).Commit);
    }

    [Fact]
    public void RelaxedNeverWaits()
    {
        using var j = new JournaledStore(DurabilityMode.Relaxed, maxAttempts: 1);
        PendingIssue a = Issue(j, "a", reCreate: false);
        Assert.Equal(0, a.Commit);
        Assert.Equal(0, Issue(j, "a", reCreate: true).Commit);
        Assert.Equal(0, Verify(j, Issue(j, "b", reCreate: false), wrong: true).Commit);
        Assert.Equal(0, Verify(j, Issue(j, "c", reCreate: false), wrong: false).Commit);
    }

    [Fact]
    public async Task AWaitCompletesOnceTheRecordIsOnDiskAndTheSegmentHoldsIt()
    {
        using var j = new JournaledStore(DurabilityMode.Safe);
        PendingIssue pair = Issue(j, "a", reCreate: false);
        PendingVerify consumed = Verify(j, pair, wrong: false);
        long before = new FileInfo(Directory.GetFiles(j.Dir, "journal.*").Single()).Length;

        Assert.True(await j.Fixture.Store.WaitForCommitAsync(consumed.Commit).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(j.Journal.DurableRound >= consumed.Commit);
        long after = new FileInfo(Directory.GetFiles(j.Dir, "journal.*").Single()).Length;
        Assert.Equal(JournalRecord.IssuedSize + JournalRecord.StateSize, after - before);
    }

    [Fact]
    public async Task ManyConcurrentWaitsAreCoveredByFewSyncs()
    {
        using var j = new JournaledStore(DurabilityMode.Strict, shards: 16);
        var waits = new List<Task<bool>>();
        for (int i = 0; i < 2000; i++)
        {
            PendingIssue r = Issue(j, $"user{i}", reCreate: false);
            waits.Add(j.Fixture.Store.WaitForCommitAsync(r.Commit).AsTask());
        }

        bool[] results = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(results, Assert.True);

        // Group commit: 2,000 answers took far fewer rounds (each one fdatasync) than answers.
        Assert.True(j.Journal.DurableRound < 1000, $"{j.Journal.DurableRound} rounds for 2000 waits");
    }

    private static PendingIssue Issue(JournaledStore j, string creator, bool reCreate)
    {
        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        PendingIssue r = j.Fixture.Store.Issue(1, Encoding.UTF8.GetBytes(creator), CodeType.Num, 6, 300, reCreate, otp);
        Assert.True(r.Status is IssueStatus.Created or IssueStatus.Existing);
        Otps[r.Token] = Encoding.ASCII.GetString(otp[..r.OtpLength]);
        return r;
    }

    private static PendingVerify Verify(JournaledStore j, PendingIssue pair, bool wrong)
    {
        string otp = Otps[pair.Token];
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        return j.Fixture.Store.Verify(1, pair.Token, Encoding.ASCII.GetBytes(wrong ? StoreFixture.WrongCode(otp) : otp), matched);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<OtpFast.Core.Tokens.OtpToken, string> Otps = new();
}
