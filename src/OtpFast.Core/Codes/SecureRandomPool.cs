using System.Security.Cryptography;

namespace OtpFast.Core.Codes;

/// <summary>
/// Bytes from <see cref="RandomNumberGenerator"/>, fetched per thread in 4 KiB blocks.
/// </summary>
/// <remarks>
/// One <c>RandomNumberGenerator.Fill</c> call costs ~720 ns whatever its size, but only
/// ~0.3 ns per byte in 4 KiB blocks (DESIGN.md, measured), so codes draw from a block and
/// the OS generator is called once per 4096 bytes. Each byte is handed out once; the block
/// is thread-local so no lock is taken.
/// </remarks>
internal static class SecureRandomPool
{
    internal const int BlockSize = 4096;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_next;

    /// <summary>Returns the unread part of this thread's block, refilling it when empty.</summary>
    /// <remarks>The caller consumes from the front and reports how many it used through <see cref="Consume"/>.</remarks>
    internal static ReadOnlySpan<byte> Available()
    {
        byte[]? block = t_block;
        int next = t_next;
        if (block is null || next >= BlockSize)
        {
            block ??= t_block = new byte[BlockSize];
            RandomNumberGenerator.Fill(block);
            t_next = next = 0;
        }

        return new ReadOnlySpan<byte>(block, next, BlockSize - next);
    }

    internal static void Consume(int count) => t_next += count;

    /// <summary>Fills <paramref name="destination"/> with fresh random bytes.</summary>
    internal static void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            ReadOnlySpan<byte> available = Available();
            int take = Math.Min(available.Length, destination.Length);
            available[..take].CopyTo(destination);
            Consume(take);
            destination = destination[take..];
        }
    }
}
