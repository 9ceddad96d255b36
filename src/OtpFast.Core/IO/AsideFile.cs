using System.Globalization;

namespace OtpFast.Core.IO;

/// <summary>
/// Keeps bad data instead of deleting it: a file is renamed (or bytes are copied) to
/// <c>NAME.LABEL-YYYYMMDDTHHMMSSfffZ</c>, with <c>-2</c>, <c>-3</c>... added when that name is
/// taken, so two failures in the same instant never overwrite each other.
/// </summary>
public static class AsideFile
{
    /// <summary>A free name beside <paramref name="path"/> for what is set aside now.</summary>
    public static string NameFor(string path, string label, DateTimeOffset now)
    {
        string stem = $"{path}.{label}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}";
        string candidate = stem;
        for (int n = 2; File.Exists(candidate); n++)
        {
            candidate = $"{stem}-{n.ToString(CultureInfo.InvariantCulture)}";
        }

        return candidate;
    }

    /// <summary>Renames <paramref name="path"/> aside; returns where it went.</summary>
    public static string Move(string path, string label, DateTimeOffset now)
    {
        string aside = NameFor(path, label, now);
        File.Move(path, aside, overwrite: false);
        return aside;
    }

    /// <summary>Copies <paramref name="bytes"/> to a private file aside of <paramref name="path"/>, synced; returns its name.</summary>
    public static string Keep(string path, string label, ReadOnlySpan<byte> bytes, DateTimeOffset now)
    {
        string aside = NameFor(path, label, now);
        using (var file = new FileStream(aside, PrivateFile.Options(FileMode.CreateNew, FileAccess.Write)))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        return aside;
    }
}
