namespace OtpFast.Server.Hosting;

/// <summary>
/// Runs each request on the socket thread that read it (InlineRequests=true, the default)
/// instead of handing it to the thread pool twice: once from the socket engine's event loop to a
/// worker, then from Kestrel's transport to the application.
/// </summary>
/// <remarks>
/// What a request does here is short and never blocks (the store answers from memory or
/// awaits the journal or Redis), which is the case these two documented switches exist for:
/// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>, and the runtime's
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, which the Kestrel documentation
/// recommends with it. The runtime reads that variable once, when the process makes its first
/// socket, so it is set here, before any (unless the environment already says otherwise).
/// Measured effect: README, Performance.
/// </remarks>
internal static class InlineRequests
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void Apply(IWebHostBuilder webHost, ServerOptions options)
    {
        if (!options.InlineRequests)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        webHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
    }
}
