using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// A journal segment file, <c>journal.NNNNNNNNNNNN</c> in the data directory: a header naming the
/// store it belongs to, then records. A compaction starts the next segment and deletes older
/// ones once a snapshot covers them.
/// </summary>
/// <remarks>
/// Header, little-endian: magic "OTPFJNL1", version, shard count, the tokenCreator digest key,
/// the segment number, CRC-32 of the preceding bytes. The store's shard count and key travel
/// with every segment because a crash before the first snapshot leaves only the journal, and
/// tokens (shard bits) and creator digests mean nothing under another shape or key.
/// </remarks>
public static class JournalSegment
{
    public const int HeaderSize = 8 + 4 + 4 + 16 + 8 + 4;
    private const string Prefix = "journal.";
    private const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "OTPFJNL1"u8;

    public static string PathOf(string dataDir, long number) =>
        Path.Combine(dataDir, Prefix + number.ToString("D12", CultureInfo.InvariantCulture));

    /// <summary>The segment numbers present in <paramref name="dataDir"/>, oldest first.</summary>
    public static List<long> List(string dataDir)
    {
        var numbers = new List<long>();
        if (!Directory.Exists(dataDir))
        {
            return numbers;
        }

        foreach (string path in Directory.EnumerateFiles(dataDir, Prefix + "*"))
        {
            string suffix = Path.GetFileName(path)[Prefix.Length..];
            if (suffix.Length == 12 && long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
            {
                numbers.Add(number);
            }
        }

        numbers.Sort();
        return numbers;
    }

    internal static void WriteHeader(Span<byte> header, int shardCount, ReadOnlySpan<byte> creatorKey, long number)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], shardCount);
        creatorKey.CopyTo(header.Slice(16, 16));
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], number);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], Crc32.HashToUInt32(header[..40]));
    }

    /// <summary>Checks a header; null when it is good, else what is wrong.</summary>
    internal static string? Validate(ReadOnlySpan<byte> header, long expectedNumber, out int shardCount, out ReadOnlySpan<byte> creatorKey)
    {
        shardCount = 0;
        creatorKey = default;
        if (header.Length < HeaderSize)
        {
            return "shorter than its header";
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            return "not an OtpFast journal (wrong magic)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[40..]) != Crc32.HashToUInt32(header[..40]))
        {
            return "header checksum mismatch";
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != Version)
        {
            return $"unsupported journal version {BinaryPrimitives.ReadInt32LittleEndian(header[8..])}";
        }

        if (BinaryPrimitives.ReadInt64LittleEndian(header[32..]) != expectedNumber)
        {
            return "its header names another segment number";
        }

        shardCount = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        creatorKey = header.Slice(16, 16);
        return shardCount < 1 || shardCount > 256 || !System.Numerics.BitOperations.IsPow2(shardCount) ? "header values out of range" : null;
    }
}
