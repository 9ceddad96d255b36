using OtpFast.Core.Transactions;

namespace OtpFast.Server.Api;

/// <summary>
/// What both /v4 endpoints share by API.md's transport rules: POST only (401), a body read within
/// MaxBodyBytes (413), and every answer, errors included, HTTP 200 with a transaction id, counted
/// under its endpoint.
/// </summary>
internal abstract class ApiEndpoint : IBodyReceiver
{
    private readonly BoundedBodyReader _body;
    private readonly TransactionIdGenerator _transactionIds;

    protected ApiEndpoint(BoundedBodyReader body, TransactionIdGenerator transactionIds)
    {
        _body = body;
        _transactionIds = transactionIds;
    }

    public Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            Fail(context.Response, ApiCode.InvalidMethod);
            return Task.CompletedTask;
        }

        return _body.ReadAsync(context, this);
    }

    /// <summary>The endpoint's own checks, in API.md's order, and its answer.</summary>
    public abstract Task Answer(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch);

    public void Fail(HttpResponse response, int code) => Fail(response, code, ApiCode.Message(code));

    /// <summary>An error answer with a message of its own (the 429s of the store tell their cause).</summary>
    protected void Fail(HttpResponse response, int code, ReadOnlySpan<byte> message)
    {
        Count(code);
        ApiResponse.WriteError(response, code, message, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]));
    }

    /// <summary><see cref="Fail(HttpResponse, int)"/> as an answer already written, so a check reads as one statement.</summary>
    protected Task Failed(HttpResponse response, int code)
    {
        Fail(response, code);
        return Task.CompletedTask;
    }

    /// <summary>Counts an answer's code under this endpoint.</summary>
    protected abstract void Count(int code);

    protected Span<byte> NextTransactionId(Span<byte> buffer) => buffer[.._transactionIds.WriteNext(buffer)];
}
