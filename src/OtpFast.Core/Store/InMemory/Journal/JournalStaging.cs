namespace OtpFast.Core.Store.InMemory.Journal;

/// <summary>
/// The writer's bytes of one round (every shard's drained records, in shard order) until the
/// disk has taken them; kept whole across failed writes so a retry writes exactly them again.
/// </summary>
internal sealed class JournalStaging
{
    private byte[] _bytes = new byte[64 * 1024];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, Length);

    public void Append(ReadOnlySpan<byte> records)
    {
        if (Length + records.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + records.Length));
        }

        records.CopyTo(_bytes.AsSpan(Length));
        Length += records.Length;
    }

    public void Clear() => Length = 0;
}
