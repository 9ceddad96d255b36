using System.Diagnostics;
using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Api;

/// <summary>
/// The one terminal middleware: maps the few paths OtpFast serves by plain comparison, which
/// costs less per request than the routing middleware, and answers 404 with an empty body to
/// anything else.
/// </summary>
internal sealed class Dispatcher
{
    private readonly RequestOneTimeCode _request;
    private readonly VerifyOneTimeCode _verify;
    private readonly ApiMetrics _metrics;
    private readonly PrometheusExporter? _exporter;
    private readonly IOtpStore _store;
    private readonly IHostApplicationLifetime _lifetime;

    /// <param name="exporter">Null with Metrics=false: /metrics is then a path like any unknown one.</param>
    public Dispatcher(RequestOneTimeCode request, VerifyOneTimeCode verify, ApiMetrics metrics, PrometheusExporter? exporter, IOtpStore store, IHostApplicationLifetime lifetime)
    {
        _request = request;
        _verify = verify;
        _metrics = metrics;
        _exporter = exporter;
        _store = store;
        _lifetime = lifetime;
    }

    public Task DispatchAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? string.Empty;
        if (path.Equals("/v4/requestOneTimeCode", StringComparison.OrdinalIgnoreCase))
        {
            if (!_metrics.TimesRequests)
            {
                return _request.HandleAsync(context);
            }

            long started = Stopwatch.GetTimestamp();
            Task answer = _request.HandleAsync(context);
            if (!answer.IsCompleted)
            {
                return TimeWhenAnsweredAsync(answer, started, verify: false);
            }

            _metrics.TimeRequest(started);
            return answer;
        }

        if (path.Equals("/v4/verifyOneTimeCode", StringComparison.OrdinalIgnoreCase))
        {
            if (!_metrics.TimesRequests)
            {
                return _verify.HandleAsync(context);
            }

            long started = Stopwatch.GetTimestamp();
            Task answer = _verify.HandleAsync(context);
            if (!answer.IsCompleted)
            {
                return TimeWhenAnsweredAsync(answer, started, verify: true);
            }

            _metrics.TimeVerify(started);
            return answer;
        }

        bool isGet = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        return path switch
        {
            "/healthz" when isGet => Text(context, StatusCodes.Status200OK, "ok\n"),
            "/readyz" when isGet => Ready(context),
            "/metrics" when isGet && _exporter is not null => Text(context, StatusCodes.Status200OK, _exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"),
            "/openapi.json" when isGet => OpenApi(context),
            _ => NotFound(context),
        };
    }

    // Only an answer that waits (for the journal, or a body in several reads) comes here; it
    // allocates already, the answers from memory time themselves above without a state machine.
    private async Task TimeWhenAnsweredAsync(Task answer, long started, bool verify)
    {
        try
        {
            await answer.ConfigureAwait(false);
        }
        finally
        {
            if (verify)
            {
                _metrics.TimeVerify(started);
            }
            else
            {
                _metrics.TimeRequest(started);
            }
        }
    }

    // The accounts are loaded and the store opened before the server listens (start-up refuses
    // to go on without them), so readiness ends when the server begins to stop (a load balancer
    // polling /readyz then stops sending before the snapshot is written), or while the store
    // cannot answer (the disk refuses journal writes, Redis is unreachable): every change would
    // answer 503 meanwhile.
    private Task Ready(HttpContext context) =>
        _lifetime.ApplicationStopping.IsCancellationRequested ? Text(context, StatusCodes.Status503ServiceUnavailable, "stopping\n")
        : _store.NotReadyReason is { } reason ? Text(context, StatusCodes.Status503ServiceUnavailable, reason + "\n")
        : Text(context, StatusCodes.Status200OK, "ready\n");

    private static Task Text(HttpContext context, int status, string body, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body);
    }

    private static Task OpenApi(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = OpenApiDocument.Bytes.Length;
        return context.Response.Body.WriteAsync(OpenApiDocument.Bytes).AsTask();
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
