using System.Buffers.Binary;
using System.IO.Hashing;

namespace OtpFast.Core.Store.InMemory;

/// <summary>
/// The binary snapshot of every pair (with attempt counts and used/locked flags) written at a
/// graceful stop and read back at start.
/// </summary>
/// <remarks>
/// Layout, little-endian: a 56-byte header (magic "OTPFSNP1", version, shard count, the
/// tokenCreator digest key, the wall-clock time of writing in Unix ms, the entry count, and the
/// first journal segment the snapshot does not cover), 72 bytes per pair (wrong attempts in
/// bytes 45 and 47, low byte first; bytes 60-63 the pair's age for the resend cooldown; 64-65 the
/// creator's failed verifies and 68-71 the age of the first of them), then an XxHash64 over the
/// header and the hash of all pairs. Deadlines (for a tombstone: the time it is reclaimed) are
/// stored as time remaining when written; on load the wall-clock time that passed is taken off:
/// a pair that expired meanwhile comes back as an expired tombstone, a tombstone whose time is up
/// is dropped. Monotonic clocks do not survive a restart; the wall clock does. Versions 1
/// (48-byte header, no journal) and 2 (64-byte pairs, no failure count) still load.
/// </remarks>
public static class StoreSnapshot
{
    public const int HeaderSize = 56;
    public const int RecordSize = 72;
    public const int TrailerSize = 8;
    private const int Version = 3;
    private const int Version1HeaderSize = 48;
    private const int Version2RecordSize = 64;
    private static ReadOnlySpan<byte> Magic => "OTPFSNP1"u8;

    /// <summary>Writes every pair of <paramref name="store"/>; returns how many.</summary>
    /// <param name="destination">Seekable: the count is patched into the header once the shards are walked,
    /// so pairs reclaimed meanwhile by the expiry heartbeat cannot make the header lie.</param>
    /// <param name="firstSegment">The first journal segment whose records this snapshot may not hold: replay starts there.</param>
    /// <remarks>
    /// Each shard is copied into memory under its own lock (a consistent view of that shard) and
    /// written after the lock is released, so requests never wait on the disk; the server keeps
    /// answering while a compaction writes.
    /// </remarks>
    public static long Write(ShardedOtpStore store, Stream destination, DateTimeOffset wallNow, long firstSegment = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(destination);
        long start = destination.Position;
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], store.ShardCount);
        store.CreatorHashKey.CopyTo(header[16..]);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], wallNow.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], firstSegment);
        destination.Write(header);

        var records = new XxHash64();
        var writer = new RecordWriter(store.NowMs);
        for (int shard = 0; shard < store.ShardCount; shard++)
        {
            store.ExportShard(shard, ref writer);
            ReadOnlySpan<byte> bytes = writer.TakeBytes();
            records.Append(bytes);
            destination.Write(bytes);
        }

        BinaryPrimitives.WriteInt64LittleEndian(header[40..], writer.Written);
        long end = destination.Position;
        destination.Position = start;
        destination.Write(header);
        destination.Position = end;

        Span<byte> trailer = stackalloc byte[TrailerSize];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, Checksum(header, records));
        destination.Write(trailer);
        return writer.Written;
    }

    /// <summary>Checks a snapshot's size and checksum without loading it.</summary>
    /// <returns>Null when intact, else what is wrong.</returns>
    public static string? Validate(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (source.ReadAtLeast(header[..Version1HeaderSize], Version1HeaderSize, throwOnEndOfStream: false) < Version1HeaderSize)
        {
            return "shorter than its header (truncated)";
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            return "not an OtpFast snapshot (wrong magic)";
        }

        int headerSize = HeaderSizeOf(header);
        if (headerSize == 0)
        {
            return $"unsupported snapshot version {BinaryPrimitives.ReadInt32LittleEndian(header[8..])}";
        }

        if (source.ReadAtLeast(header[Version1HeaderSize..headerSize], headerSize - Version1HeaderSize, throwOnEndOfStream: false) < headerSize - Version1HeaderSize)
        {
            return "shorter than its header (truncated)";
        }

        header = header[..headerSize];

        long count = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        int shards = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (count < 0 || shards < 1 || shards > 256 || !System.Numerics.BitOperations.IsPow2(shards))
        {
            return "header values out of range";
        }

        int recordSize = RecordSizeOf(header);
        long expectedLength = headerSize + (count * recordSize) + TrailerSize;
        if (source.CanSeek && source.Length != expectedLength)
        {
            return $"length {source.Length} bytes, expected {expectedLength} for {count} pairs (truncated or extended)";
        }

        var records = new XxHash64();
        byte[] buffer = new byte[recordSize * 1024];
        long remaining = count * recordSize;
        while (remaining > 0)
        {
            int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0)
            {
                return "truncated inside its pairs";
            }

            records.Append(buffer.AsSpan(0, read));
            remaining -= read;
        }

        Span<byte> trailer = stackalloc byte[TrailerSize];
        if (source.ReadAtLeast(trailer, TrailerSize, throwOnEndOfStream: false) < TrailerSize)
        {
            return "truncated before its checksum";
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(trailer) == Checksum(header, records) ? null : "checksum mismatch";
    }

    /// <summary>The store options a snapshot needs: its shard count and creator digest key.</summary>
    /// <remarks>Tokens carry their shard in their low bits, so the shard count must stay as it was.</remarks>
    /// <param name="firstSegment">The first journal segment to replay after this snapshot (0 for a version 1 snapshot).</param>
    public static OtpStoreOptions OptionsFor(Stream source, OtpStoreOptions configured, out long firstSegment)
    {
        ArgumentNullException.ThrowIfNull(configured);
        Span<byte> header = stackalloc byte[HeaderSize];
        source.ReadExactly(header[..Version1HeaderSize]);
        int headerSize = HeaderSizeOf(header);
        source.ReadExactly(header[Version1HeaderSize..headerSize]);
        firstSegment = headerSize == HeaderSize ? BinaryPrimitives.ReadInt64LittleEndian(header[48..]) : 0;
        return configured.WithShape(BinaryPrimitives.ReadInt32LittleEndian(header[12..]), header.Slice(16, 16));
    }

    /// <summary>Loads a validated snapshot into an empty store made with <see cref="OptionsFor"/>.</summary>
    public static SnapshotLoad Load(Stream source, ShardedOtpStore store, DateTimeOffset wallNow)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(store);
        Span<byte> header = stackalloc byte[HeaderSize];
        source.ReadExactly(header[..Version1HeaderSize]);
        source.ReadExactly(header[Version1HeaderSize..HeaderSizeOf(header)]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        long elapsedMs = Math.Max(0, wallNow.ToUnixTimeMilliseconds() - BinaryPrimitives.ReadInt64LittleEndian(header[32..]));
        long now = store.NowMs;
        long loaded = 0;
        long expired = 0;
        long refused = 0;
        byte[] record = new byte[RecordSizeOf(header)];
        for (long i = 0; i < count; i++)
        {
            source.ReadExactly(record);
            PairEntry entry = ReadRecord(record, out long remainingMs, out uint ageTenths, out int failuresAgeTenths);
            // Ages were taken when the snapshot was written: the time stopped counts too.
            long nowTenths = (now - elapsedMs) / 100;
            entry.CreatedAt = (int)Math.Max(int.MinValue, nowTenths - ageTenths);
            entry.CreatorFailuresSince = (int)Math.Clamp(nowTenths - failuresAgeTenths, int.MinValue, int.MaxValue);
            entry.Deadline = remainingMs >= 0 ? now + remainingMs - elapsedMs : long.MaxValue;
            switch (store.Restore(entry))
            {
                case Journal.ReplayEffect.Applied:
                    loaded++;
                    break;
                case Journal.ReplayEffect.Refused:
                    refused++;
                    break;
                default:
                    expired++;
                    break;
            }
        }

        return new SnapshotLoad(loaded, expired, refused);
    }

    // The checksum covers the header and, through their own hash, all records.
    private static ulong Checksum(ReadOnlySpan<byte> header, XxHash64 records)
    {
        Span<byte> input = stackalloc byte[HeaderSize + 8];
        header.CopyTo(input);
        BinaryPrimitives.WriteUInt64LittleEndian(input[header.Length..], records.GetCurrentHashAsUInt64());
        return XxHash64.HashToUInt64(input[..(header.Length + 8)]);
    }

    private static int RecordSizeOf(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadInt32LittleEndian(header[8..]) == Version ? RecordSize : Version2RecordSize;

    // 0 for a version this build does not read.
    private static int HeaderSizeOf(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header[8..]) switch
    {
        1 => Version1HeaderSize,
        2 or Version => HeaderSize,
        _ => 0,
    };

    private static PairEntry ReadRecord(ReadOnlySpan<byte> r, out long remainingMs, out uint ageTenths, out int failuresAgeTenths)
    {
        var entry = new PairEntry
        {
            TokenLow = BinaryPrimitives.ReadUInt64LittleEndian(r),
            TokenHigh = BinaryPrimitives.ReadUInt64LittleEndian(r[8..]),
            CreatorLow = BinaryPrimitives.ReadUInt64LittleEndian(r[16..]),
            CreatorHigh = BinaryPrimitives.ReadUInt64LittleEndian(r[24..]),
            AccountId = BinaryPrimitives.ReadInt32LittleEndian(r[40..]),
            OtpLength = Math.Min(r[44], (byte)Codes.CodeAlphabet.MaxLength),
            WrongAttempts = (ushort)(r[45] | (r[47] << 8)),
            Flags = (PairFlags)r[46] & PairFlags.Dead,
        };
        remainingMs = BinaryPrimitives.ReadInt64LittleEndian(r[32..]);
        ageTenths = BinaryPrimitives.ReadUInt32LittleEndian(r[60..]);

        // A tombstone's code bytes are zeros: packed as unmatchable, and its links replace them anyway.
        entry.Code = PackedCode.FromStored(r.Slice(48, entry.OtpLength));
        failuresAgeTenths = 0;
        if (r.Length >= RecordSize)
        {
            entry.CreatorFailures = BinaryPrimitives.ReadUInt16LittleEndian(r[64..]);
            failuresAgeTenths = BinaryPrimitives.ReadInt32LittleEndian(r[68..]);
        }

        return entry;
    }

    // Collects one shard's records in memory (under its lock); the caller writes them after.
    private struct RecordWriter : IPairVisitor
    {
        private readonly long _now;
        private byte[] _bytes;
        private int _length;

        public RecordWriter(long now)
        {
            _now = now;
            _bytes = new byte[RecordSize * 1024];
        }

        public long Written { get; private set; }

        public ReadOnlySpan<byte> TakeBytes()
        {
            ReadOnlySpan<byte> bytes = _bytes.AsSpan(0, _length);
            _length = 0;
            return bytes;
        }

        public void Visit(in PairEntry entry)
        {
            if (_length + RecordSize > _bytes.Length)
            {
                Array.Resize(ref _bytes, _bytes.Length * 2);
            }

            Span<byte> r = _bytes.AsSpan(_length, RecordSize);
            r.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(r, entry.TokenLow);
            BinaryPrimitives.WriteUInt64LittleEndian(r[8..], entry.TokenHigh);
            BinaryPrimitives.WriteUInt64LittleEndian(r[16..], entry.CreatorLow);
            BinaryPrimitives.WriteUInt64LittleEndian(r[24..], entry.CreatorHigh);
            long remaining = entry.Deadline == long.MaxValue ? -1 : Math.Max(1, entry.Deadline - _now);
            BinaryPrimitives.WriteInt64LittleEndian(r[32..], remaining);
            BinaryPrimitives.WriteInt32LittleEndian(r[40..], entry.AccountId);
            r[44] = entry.OtpLength;
            r[45] = (byte)entry.WrongAttempts;
            r[47] = (byte)(entry.WrongAttempts >> 8);
            r[46] = (byte)(entry.Flags & PairFlags.Dead);

            // A tombstone's code word holds its links (its code was wiped): never written. The
            // 12 bytes stay ASCII, zero after the code, as before the code was packed.
            if (!entry.IsDead)
            {
                entry.Code.CopyTo(r.Slice(48, entry.OtpLength));
            }

            BinaryPrimitives.WriteUInt32LittleEndian(r[60..], (uint)Math.Max(0, (_now / 100) - entry.CreatedAt));
            BinaryPrimitives.WriteUInt16LittleEndian(r[64..], entry.CreatorFailures);
            BinaryPrimitives.WriteInt32LittleEndian(r[68..], (int)Math.Clamp((_now / 100) - entry.CreatorFailuresSince, int.MinValue, int.MaxValue));
            _length += RecordSize;
            Written++;
        }
    }
}

/// <summary>What a snapshot load did: pairs restored, dropped because they expired while the server was down, and refused because the store was full.</summary>
public readonly record struct SnapshotLoad(long Loaded, long Expired, long Refused);
