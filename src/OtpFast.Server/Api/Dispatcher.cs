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
    private readonly IOtpStore _store;
    private readonly AccountsHolder _accounts;

    public Dispatcher(OtpApi api, ApiMetrics metrics, IOtpStore store, AccountsHolder accounts)
    {
        _api = api;
        _metrics = metrics;
        _store = store;
        _accounts = accounts;
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
            "/metrics" when isGet => Text(context, StatusCodes.Status200OK, _metrics.Render(_store.LiveCount, _accounts.Current.Accounts.Count), "text/plain; version=0.0.4; charset=utf-8"),
            _ => NotFound(context),
        };
    }

    // Ready when the accounts are loaded (always true once started: start-up refuses without them)
    // and the store answers.
    private Task Ready(HttpContext context)
    {
        bool ready = _accounts.Current is not null && _store.LiveCount >= 0;
        return ready ? Text(context, StatusCodes.Status200OK, "ready\n") : Text(context, StatusCodes.Status503ServiceUnavailable, "not ready\n");
    }

    private static Task Text(HttpContext context, int status, string body, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
