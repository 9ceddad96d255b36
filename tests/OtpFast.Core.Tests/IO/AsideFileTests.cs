using OtpFast.Core.IO;

namespace OtpFast.Core.Tests.IO;

public sealed class AsideFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-aside-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TwoFilesSetAsideInTheSameInstantKeepBothContents()
    {
        string path = Path.Combine(_dir, "pairs.snapshot");
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        File.WriteAllText(path, "first bad snapshot");
        string first = AsideFile.Move(path, "corrupt", now);
        File.WriteAllText(path, "second bad snapshot");
        string second = AsideFile.Move(path, "corrupt", now);
        string third = AsideFile.Keep(path, "corrupt", "third"u8, now);

        Assert.Equal(3, new[] { first, second, third }.Distinct().Count());
        Assert.Equal("first bad snapshot", File.ReadAllText(first));
        Assert.Equal("second bad snapshot", File.ReadAllText(second));
        Assert.Equal("third", File.ReadAllText(third));
        Assert.EndsWith(".corrupt-20261128T120000000Z", first, StringComparison.Ordinal);
        Assert.EndsWith(".corrupt-20261128T120000000Z-2", second, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAtomicWriteThatFailsLeavesTheOldFileAndNoTempFile()
    {
        string path = Path.Combine(_dir, "accounts.json");
        File.WriteAllText(path, "old");

        var e = Assert.Throws<IOException>(() => AtomicPrivateFile.Write<int>(path, file =>
        {
            file.Write("half of the new"u8);
            throw new IOException("disk went away");
        }));

        Assert.StartsWith($"cannot write {path}:", e.Message, StringComparison.Ordinal);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.False(File.Exists(AtomicPrivateFile.TempPathFor(path)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AnAtomicWriteReplacesTheFileWithAPrivateOne()
    {
        string path = Path.Combine(_dir, "pairs.snapshot");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.Equal(3, AtomicPrivateFile.Write(path, file =>
        {
            file.Write("new"u8);
            return 3;
        }));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
