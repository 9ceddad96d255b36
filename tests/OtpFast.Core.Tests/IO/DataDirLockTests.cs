using OtpFast.Core.IO;

namespace OtpFast.Core.Tests.IO;

public sealed class DataDirLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ASecondLockOnTheSameDirectoryIsRefusedAndNamesTheHoldersPid()
    {
        using DataDirLock first = DataDirLock.TryAcquire(_dir, out int? none)!;
        Assert.NotNull(first);
        Assert.Null(none);

        Assert.Null(DataDirLock.TryAcquire(_dir, out int? holder));
        Assert.Equal(Environment.ProcessId, holder);

        // Another directory is another lock.
        using DataDirLock other = DataDirLock.TryAcquire(Path.Combine(_dir, "other"), out _)!;
        Assert.NotNull(other);
    }

    [Fact]
    public void DisposingTheLockFreesItForTheNextHolderAndRemovesThePidFile()
    {
        string pidFile = Path.Combine(_dir, DataDirLock.PidFileName);
        DataDirLock first = DataDirLock.TryAcquire(_dir, out _)!;
        Assert.True(File.Exists(pidFile));
        first.Dispose();
        first.Dispose();
        Assert.False(File.Exists(pidFile));

        using DataDirLock next = DataDirLock.TryAcquire(_dir, out _)!;
        Assert.NotNull(next);
        Assert.Equal(_dir, next.Directory);
    }

    [Fact]
    public void AMissingDataDirectoryIsCreatedWithItsParents()
    {
        string nested = Path.Combine(_dir, "a", "b", "data");
        using DataDirLock held = DataDirLock.TryAcquire(nested, out _)!;
        Assert.NotNull(held);
        Assert.True(File.Exists(Path.Combine(nested, DataDirLock.LockFileName)));
    }

    [Fact]
    public void AHolderWhosePidCannotBeReadIsStillRefused()
    {
        using DataDirLock first = DataDirLock.TryAcquire(_dir, out _)!;
        File.WriteAllText(Path.Combine(_dir, DataDirLock.PidFileName), "garbage");
        Assert.Null(DataDirLock.TryAcquire(_dir, out int? holder));
        Assert.Null(holder);
    }
}
