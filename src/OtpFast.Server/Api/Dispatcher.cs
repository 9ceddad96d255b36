using OtpFast.Core.Store;
using OtpFast.Server.Accounts;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Api;

/// <summary>
/// The one terminal middleware: maps the few paths OtpFast serves by plain comparison, which
/// costs less per request than the routing middleware, and answers 404 with an empty body to
/// anything else.
/// </summary>
internal sealed class Dispatcher
{
    private readonly OtpApi _api;
    private readonly ApiMetrics _metrics;
    private readonly ShardedOtpStore _store;
    private readonly AccountsHolder _accounts;
    private readonly IHostApplicationLifetime _lifetime;

    public Dispatcher(OtpApi api, ApiMetrics metrics, ShardedOtpStore store, AccountsHolder accounts, IHostApplicationLifetime lifetime)
    {
        _api = api;
        _metrics = metrics;
        _store = store;
        _accounts = accounts;
        _lifetime = lifetime;
    }

    public Task DispatchAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? string.Empty;
        if (path.Equals("/v4/requestOneTimeCode", StringComparison.OrdinalIgnoreCase))
        {
            return _api.RequestOneTimeCodeAsync(context);
        }

        if (path.Equals("/v4/verifyOneTimeCode", StringComparison.OrdinalIgnoreCase))
        {
            return _api.VerifyOneTimeCodeAsync(context);
        }

        bool isGet = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        return path switch
        {
            "/healthz" when isGet => Text(context, StatusCodes.Status200OK, "ok\n"),
            "/readyz" when isGet => Ready(context),
            "/metrics" when isGet => Text(context, StatusCodes.Status200OK, _metrics.Render(_store, _accounts.Current.Accounts.Count), "text/plain; version=0.0.4; charset=utf-8"),
            "/openapi.json" when isGet => OpenApi(context),
            _ => NotFound(context),
        };
    }

    // The accounts are loaded and the in-memory store answers from the moment the server listens
    // (start-up refuses to go on without them), so readiness ends when the server begins to stop
    // (a load balancer polling /readyz then stops sending before the snapshot is written), or
    // while the disk refuses journal writes (every change would answer 503 meanwhile).
    private Task Ready(HttpContext context) =>
        _lifetime.ApplicationStopping.IsCancellationRequested ? Text(context, StatusCodes.Status503ServiceUnavailable, "stopping\n")
        : _store.Journal is { IsFailing: true } ? Text(context, StatusCodes.Status503ServiceUnavailable, "journal-failing\n")
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
