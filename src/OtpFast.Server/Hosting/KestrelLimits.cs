using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Every Kestrel limit set on purpose (README, "Limits"): an OTP endpoint receives small JSON
/// bodies from known backends, so anything far from that shape is cut off early.
/// </summary>
internal static class KestrelLimits
{
    public static void Apply(KestrelServerOptions kestrel, ServerOptions options, ConnectionGate gate)
    {
        kestrel.AddServerHeader = false;

        // MaxConnectionsPerClient, and RequestHeadersTimeoutSeconds from a connection's start.
        // On an https endpoint the gate sees encrypted bytes: it lets a connection through at its
        // first handshake byte, so the handshake gets the same time as a head would.
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(gate.Wrap));
        kestrel.ConfigureHttpsDefaults(https => https.HandshakeTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds));
        KestrelServerLimits limits = kestrel.Limits;

        // OtpFast's own check answers 413 in the API's format; Kestrel's limit is only a backstop.
        limits.MaxRequestBodySize = Math.Max(options.MaxBodyBytes * 4L, 64 * 1024);
        limits.MaxConcurrentConnections = options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(options.KeepAliveSeconds);
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds);
        limits.MaxRequestHeadersTotalSize = options.MaxRequestHeaderBytes;
        limits.MaxRequestHeaderCount = options.MaxRequestHeaderCount;
        limits.MaxRequestLineSize = options.MaxRequestLineBytes;
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinDataBytesPerSecond, TimeSpan.FromSeconds(5));
        limits.MinResponseDataRate = new MinDataRate(options.MinDataBytesPerSecond, TimeSpan.FromSeconds(5));
    }
}
