using OtpFast.Core.Accounts;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;
using OtpFast.Core.Transactions;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Api;

/// <summary>
/// POST /v4/verifyOneTimeCode: checks in API.md's order (method, body size, JSON shape, key,
/// account state, rate, token and otp form), then the store's verdict.
/// </summary>
internal sealed class VerifyOneTimeCode : ApiEndpoint
{
    private readonly AccountGate _gate;
    private readonly IOtpStore _store;
    private readonly ApiMetrics _metrics;

    public VerifyOneTimeCode(BoundedBodyReader body, AccountGate gate, IOtpStore store, TransactionIdGenerator transactionIds, ApiMetrics metrics)
        : base(body, transactionIds)
    {
        _gate = gate;
        _store = store;
        _metrics = metrics;
    }

    public override Task Answer(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch)
    {
        if (!VerifyArgs.TryParse(body, scratch, out VerifyArgs args))
        {
            return Failed(response, ApiCode.Malformed);
        }

        int admitted = _gate.AdmitVerify(args.ApiKey, out Account account);
        if (admitted != ApiCode.Accepted)
        {
            return Failed(response, admitted);
        }

        if (!args.TryGetToken(out OtpToken token) || !args.TryGetOtp(out OtpCode otp))
        {
            return Failed(response, ApiCode.InvalidTokenOrOtp);
        }

        ValueTask<VerifyResult> verifying = _store.VerifyAsync(new VerifyRequest(account.Id, token, otp));
        if (!verifying.IsCompletedSuccessfully)
        {
            return AnswerVerifyAsync(response, token, verifying);
        }

        AnswerVerify(response, token, verifying.Result);
        return Task.CompletedTask;
    }

    protected override void Count(int code) => _metrics.CountVerify(code);

    private async Task AnswerVerifyAsync(HttpResponse response, OtpToken token, ValueTask<VerifyResult> verifying) =>
        AnswerVerify(response, token, await verifying.ConfigureAwait(false));

    private void AnswerVerify(HttpResponse response, OtpToken token, in VerifyResult result)
    {
        _metrics.CountOutcome(result.Outcome);
        if (result.Outcome == VerifyOutcome.Unavailable)
        {
            Fail(response, ApiCode.Unavailable);
            return;
        }

        Span<byte> tokenText = stackalloc byte[OtpToken.Length];
        token.Format(tokenText);
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        Count(ApiCode.Accepted);
        ApiResponse.WriteVerified(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), result.Outcome, tokenText, matched[..result.Code.CopyTo(matched)]);
    }
}
