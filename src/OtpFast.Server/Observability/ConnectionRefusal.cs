namespace OtpFast.Server.Observability;

/// <summary>Why a connection was closed before it reached HTTP (a label of <c>otpfast_connections_refused_total</c>).</summary>
internal enum ConnectionRefusal
{
    /// <summary>Its remote address already held MaxConnectionsPerClient connections.</summary>
    PerClientLimit,

    /// <summary>Its first request's headers were not complete within RequestHeadersTimeoutSeconds of its start.</summary>
    HeadersTimeout,
}
