using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Kestrel connection middleware, ahead of HTTP: a remote address holds at most
/// MaxConnectionsPerClient connections (one more is closed at once), and a connection's first
/// request head must be complete within RequestHeadersTimeoutSeconds of its start.
/// </summary>
/// <remarks>
/// Kestrel alone holds a connection that sends nothing for KeepAliveSeconds, and starts its
/// RequestHeadersTimeout only at the first byte, so one client could fill MaxConnections with
/// idle sockets for a minute and lock everyone else out. The head is watched here by reading
/// the connection's input without consuming it; once it is complete, Kestrel reads the same
/// bytes and everything after is Kestrel's (later requests on the connection pass no check
/// here). The cost is per connection, none per request.
/// </remarks>
internal sealed class ConnectionGate
{
    private static readonly byte[] TimeoutAnswer = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Lock _openLock = new();
    private readonly int _maxPerClient;
    private readonly TimeSpan _headersTimeout;
    private readonly long _maxHeadBytes;
    private readonly ApiMetrics _metrics;

    public ConnectionGate(ServerOptions options, ApiMetrics metrics)
    {
        _maxPerClient = options.MaxConnectionsPerClient;
        _headersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds);

        // Past this much without an end of head, Kestrel refuses it at once (414 or 431).
        _maxHeadBytes = (long)options.MaxRequestLineBytes + options.MaxRequestHeaderBytes + 4;
        _metrics = metrics;
    }

    /// <summary>For <c>ListenOptions.Use</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => OnConnectionAsync(connection, next);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        IPAddress? client = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (client is { IsIPv4MappedToIPv6: true })
        {
            client = client.MapToIPv4();
        }

        if (client is not null && !TryEnter(client))
        {
            _metrics.CountRefused(ConnectionRefusal.PerClientLimit);
            connection.Abort();
            return;
        }

        try
        {
            if (await FirstHeadArrivesAsync(connection).ConfigureAwait(false))
            {
                await next(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            if (client is not null)
            {
                Leave(client);
            }
        }
    }

    /// <returns>False when the connection was closed here: its head did not come in time, or the server is stopping.</returns>
    private async Task<bool> FirstHeadArrivesAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;

        // A stopping server asks every connection to close; one still waiting here goes at once.
        CancellationToken closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(closing);
        deadline.CancelAfter(_headersTimeout);

        var head = default(RequestHeadScan);
        SequencePosition? examined = null;
        long received = 0;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                if (!closing.IsCancellationRequested)
                {
                    _metrics.CountRefused(ConnectionRefusal.HeadersTimeout);
                }

                await CloseAsync(connection, answerTimeout: received > 0 && !closing.IsCancellationRequested).ConfigureAwait(false);
                return false;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // Reset or aborted before its head was complete: no one to answer, and nothing to
                // log (Kestrel would log it from here as an unhandled error, once per connection).
                return false;
            }

            ReadOnlySequence<byte> buffer = read.Buffer;
            received = buffer.Length;
            if (read.IsCompleted || read.IsCanceled || buffer.Length > _maxHeadBytes || head.IsComplete(buffer))
            {
                // Consume nothing, and examine no further than before, so Kestrel's first read
                // returns these bytes at once (examining less than an earlier read is not allowed).
                input.AdvanceTo(buffer.Start, examined ?? buffer.Start);
                return true;
            }

            examined = buffer.End;
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // Closed as Kestrel closes at a timeout of its own: a 408 if part of a request came (as for
    // its header timeout), then an orderly close once that is sent (Kestrel closes the connection
    // when this middleware returns).
    private static async Task CloseAsync(ConnectionContext connection, bool answerTimeout)
    {
        PipeWriter output = connection.Transport.Output;
        if (answerTimeout)
        {
            try
            {
                await output.WriteAsync(TimeoutAnswer).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException)
            {
                // Gone already: nothing to answer.
            }
        }

        await output.CompleteAsync().ConfigureAwait(false);
    }

    private bool TryEnter(IPAddress client)
    {
        lock (_openLock)
        {
            ref int open = ref CollectionsMarshal.GetValueRefOrAddDefault(_open, client, out _);
            if (open >= _maxPerClient)
            {
                return false;
            }

            open++;
            return true;
        }
    }

    private void Leave(IPAddress client)
    {
        lock (_openLock)
        {
            ref int open = ref CollectionsMarshal.GetValueRefOrNullRef(_open, client);
            if (--open == 0)
            {
                _open.Remove(client);
            }
        }
    }
}
