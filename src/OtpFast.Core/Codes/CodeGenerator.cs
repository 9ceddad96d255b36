namespace OtpFast.Core.Codes;

/// <summary>Writes uniformly random one-time codes into caller-owned buffers, allocating nothing.</summary>
public static class CodeGenerator
{
    /// <summary>Fills all of <paramref name="destination"/> with ASCII symbols of <paramref name="type"/>.</summary>
    public static void Write(CodeType type, Span<byte> destination)
    {
        ReadOnlySpan<byte> symbols = CodeAlphabet.Symbols(type);
        int size = symbols.Length;
        int limit = CodeAlphabet.RejectionLimit(size);
        int written = 0;
        while (written < destination.Length)
        {
            ReadOnlySpan<byte> random = SecureRandomPool.Available();
            int used = 0;
            while (used < random.Length && written < destination.Length)
            {
                int b = random[used++];
                if (b < limit)
                {
                    destination[written++] = symbols[b % size];
                }
            }

            SecureRandomPool.Consume(used);
        }
    }

    /// <summary>Fills all of <paramref name="destination"/> with symbols of <paramref name="type"/>.</summary>
    public static void Write(CodeType type, Span<char> destination)
    {
        Span<byte> ascii = stackalloc byte[CodeAlphabet.MaxLength];
        while (!destination.IsEmpty)
        {
            int n = Math.Min(destination.Length, ascii.Length);
            Write(type, ascii[..n]);
            for (int i = 0; i < n; i++)
            {
                destination[i] = (char)ascii[i];
            }

            destination = destination[n..];
        }
    }
}
