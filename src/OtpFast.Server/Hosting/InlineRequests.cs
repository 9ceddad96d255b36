namespace OtpFast.Server.Hosting;

/// <summary>
/// InlineRequests=true: a socket's reads and writes complete on the socket engine's event
/// thread instead of being handed to the thread pool first, so a request waits for one hand-off
/// (Kestrel's, to the application) instead of two. Off by default for now: with it on, CI's
/// idle-flood check measured the served client's p99 at 2.37x its quiet p99 while 256 idle
/// connections were held (1.62 vs 0.69 ms), against 0.55-1.22x without it; until that is
/// understood, it is an opt-in (README, Performance).
/// </summary>
/// <remarks>
/// The runtime's documented switch for this, <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>,
/// is an environment variable it reads once, when the process makes its first socket; it is set
/// here, before any, unless the environment already gives it a value. Kestrel's own
/// <c>SocketTransportOptions.UnsafePreferInlineScheduling</c> (the application on the event
/// thread as well) measured slower than either, so it stays off. Measured effect: README,
/// Performance, "Socket completions on the event thread".
/// </remarks>
internal static class InlineRequests
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void Apply(ServerOptions options)
    {
        if (options.InlineRequests && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
