using OtpFast.Core.Accounts;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;
using OtpFast.Core.Transactions;
using OtpFast.Server.Hosting;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Api;

/// <summary>
/// POST /v4/requestOneTimeCode: checks in API.md's order (method, body size, JSON shape, key,
/// account state, rate, codeType, codeLength, expiry, reCreate), then a code alone, or a pair
/// from the store.
/// </summary>
internal sealed class RequestOneTimeCode : ApiEndpoint
{
    private readonly AccountGate _gate;
    private readonly IOtpStore _store;
    private readonly ApiMetrics _metrics;
    private readonly int _maxExpirySeconds;

    public RequestOneTimeCode(BoundedBodyReader body, AccountGate gate, IOtpStore store, TransactionIdGenerator transactionIds, ApiMetrics metrics, ServerOptions options)
        : base(body, transactionIds)
    {
        _gate = gate;
        _store = store;
        _metrics = metrics;
        _maxExpirySeconds = options.MaxExpirySeconds;
    }

    public override Task Answer(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch)
    {
        if (!RequestCodeArgs.TryParse(body, scratch, out RequestCodeArgs args))
        {
            return Failed(response, ApiCode.Malformed);
        }

        int admitted = _gate.AdmitRequest(args.ApiKey, out Account account);
        if (admitted != ApiCode.Accepted)
        {
            return Failed(response, admitted);
        }

        if (!args.TryGetCodeType(out CodeType codeType))
        {
            return Failed(response, ApiCode.InvalidCodeType);
        }

        if (!args.TryGetCodeLength(out int codeLength))
        {
            return Failed(response, ApiCode.InvalidCodeLength);
        }

        if (!args.TryGetExpiry(_maxExpirySeconds, out int expiry))
        {
            return Failed(response, ApiCode.InvalidExpiry);
        }

        if (!args.TryGetReCreate(out bool reCreate))
        {
            return Failed(response, ApiCode.InvalidRecreate);
        }

        if (args.TokenCreator.IsEmpty)
        {
            // No one to tie a pair to: a code alone, and nothing is stored.
            Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
            otp = otp[..codeLength];
            CodeGenerator.Write(codeType, otp);
            Count(ApiCode.Accepted);
            ApiResponse.WriteIssued(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), otp, default);
            return Task.CompletedTask;
        }

        var request = new IssueRequest(account.Id, _store.DigestCreator(account.Id, args.TokenCreator), codeType, codeLength, expiry, reCreate);
        ValueTask<IssueResult> issuing = _store.IssueAsync(request);
        if (!issuing.IsCompletedSuccessfully)
        {
            return AnswerIssueAsync(response, issuing);
        }

        AnswerIssue(response, issuing.Result);
        return Task.CompletedTask;
    }

    protected override void Count(int code) => _metrics.CountRequest(code);

    // A store that waits (for the disk in safe mode, for Redis) answers here once it is done.
    private async Task AnswerIssueAsync(HttpResponse response, ValueTask<IssueResult> issuing) =>
        AnswerIssue(response, await issuing.ConfigureAwait(false));

    private void AnswerIssue(HttpResponse response, in IssueResult issued)
    {
        switch (issued.Status)
        {
            case IssueStatus.Created or IssueStatus.Existing:
                Span<byte> token = stackalloc byte[OtpToken.Length];
                issued.Token.Format(token);
                Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
                Count(ApiCode.Accepted);
                ApiResponse.WriteIssued(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), otp[..issued.Code.CopyTo(otp)], token);
                break;
            case IssueStatus.CoolingDown:
                Fail(response, ApiCode.RateLimited, ApiCode.ResendCooldownMessage);
                break;
            case IssueStatus.FailedVerifiesSpent:
                Fail(response, ApiCode.RateLimited, ApiCode.FailedVerifiesSpentMessage);
                break;
            default:
                Fail(response, ApiCode.Unavailable);
                break;
        }
    }
}
