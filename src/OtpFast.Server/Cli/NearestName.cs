namespace OtpFast.Server.Cli;

/// <summary>
/// Finds the known name closest to a mistyped one, so an error can say "did you mean ...":
/// a typo is usually one or two letters away (<c>acounts</c>, <c>MaxVerfyAttempts</c>).
/// </summary>
internal static class NearestName
{
    /// <summary>The candidate with the smallest edit distance (case-insensitive), or null when none is close enough to be a typo.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // Beyond a third of the name it is another word, not a typo: suggesting it would mislead.
        return bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    // Levenshtein distance with two rows: names are short, so this is cheap.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
