using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OtpFast.Core.Accounts;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;
using OtpFast.Core.Transactions;
using OtpFast.Server.Accounts;
using OtpFast.Server.Hosting;
using OtpFast.Server.Observability;

namespace OtpFast.Server.Api;

/// <summary>
/// The two Juvlon v4 calls: reads the body whatever its Content-Type, runs API.md's checks in
/// their documented order, calls the store, and answers.
/// </summary>
internal sealed partial class OtpApi
{
    private const int StackScratchBytes = 2048;

    private readonly AccountsHolder _accounts;
    private readonly AccountRateLimiter _rates;
    private readonly IOtpStore _store;
    private readonly TransactionIdGenerator _transactionIds;
    private readonly ApiMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<OtpApi> _logger;
    private readonly int _maxBodyBytes;
    private readonly int _maxExpirySeconds;

    public OtpApi(AccountsHolder accounts, AccountRateLimiter rates, IOtpStore store, TransactionIdGenerator transactionIds, ApiMetrics metrics, TimeProvider time, ServerOptions options, ILogger<OtpApi> logger)
    {
        _accounts = accounts;
        _rates = rates;
        _store = store;
        _transactionIds = transactionIds;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _maxBodyBytes = options.MaxBodyBytes;
        _maxExpirySeconds = options.MaxExpirySeconds;
    }

    private enum Call
    {
        Request,
        Verify,
    }

    public Task RequestOneTimeCodeAsync(HttpContext context) => HandleAsync(context, Call.Request);

    public Task VerifyOneTimeCodeAsync(HttpContext context) => HandleAsync(context, Call.Verify);

    // Synchronous when the whole body is already buffered (the usual case for a small POST):
    // no async state machine is boxed, and RequestAborted is never touched (Kestrel makes its
    // CancellationTokenSource on first use; a dropped connection ends the body read anyway).
    private Task HandleAsync(HttpContext context, Call call)
    {
        HttpRequest request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            Fail(context.Response, call, ApiCode.InvalidMethod);
            return Task.CompletedTask;
        }

        if (request.ContentLength > _maxBodyBytes)
        {
            Fail(context.Response, call, ApiCode.TooLarge);
            return Task.CompletedTask;
        }

        PipeReader body = request.BodyReader;
        try
        {
            ValueTask<ReadResult> read = body.ReadAsync();
            if (read.IsCompletedSuccessfully)
            {
                ReadResult first = read.Result;
                if (first.IsCompleted || first.Buffer.Length > _maxBodyBytes)
                {
                    return Finish(context.Response, call, body, first);
                }

                read = new ValueTask<ReadResult>(first);
            }

            return ReadRestAsync(context.Response, call, body, read);
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            FailBody(context.Response, call, e);
            return Task.CompletedTask;
        }
    }

    // The body comes in more than one read. Each part is copied out and consumed at once, never
    // examined and left unconsumed: after such an AdvanceTo, Kestrel cannot put its connection's
    // input back when a later body read fails (the client went away mid-body, or sent too slowly),
    // so that input stays mid-read, and Kestrel's read of the next request on the connection then
    // throws ReadingIsInProgress (a warning with a stack trace, once per such connection).
    private async Task ReadRestAsync(HttpResponse response, Call call, PipeReader body, ValueTask<ReadResult> pending)
    {
        byte[]? parts = null;
        int length = 0;
        try
        {
            while (true)
            {
                ReadResult read = await pending.ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                if (parts is null && (read.IsCompleted || buffer.Length > _maxBodyBytes))
                {
                    await Finish(response, call, body, read).ConfigureAwait(false);
                    return;
                }

                if (length + buffer.Length > _maxBodyBytes)
                {
                    // Stop here: the rest of an oversized body is never buffered.
                    body.AdvanceTo(buffer.End);
                    Fail(response, call, ApiCode.TooLarge);
                    return;
                }

                parts ??= ArrayPool<byte>.Shared.Rent(_maxBodyBytes);
                buffer.CopyTo(parts.AsSpan(length));
                length += (int)buffer.Length;
                body.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    await Answer(response, call, new ReadOnlySequence<byte>(parts, 0, length)).ConfigureAwait(false);
                    return;
                }

                pending = body.ReadAsync();
            }
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            FailBody(response, call, e);
        }
        finally
        {
            if (parts is not null)
            {
                ArrayPool<byte>.Shared.Return(parts);
            }
        }
    }

    /// <summary>Answers a body read whole in one read, or 413 for one already too large; consumes what was read.</summary>
    /// <returns>Completes when the answer is written: at once, unless it waits for the journal.</returns>
    private Task Finish(HttpResponse response, Call call, PipeReader body, ReadResult read)
    {
        try
        {
            if (read.Buffer.Length > _maxBodyBytes)
            {
                // Stop here: the rest of an oversized body is never buffered.
                Fail(response, call, ApiCode.TooLarge);
                return Task.CompletedTask;
            }

            return Answer(response, call, read.Buffer);
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }
    }

    private Task Answer(HttpResponse response, Call call, ReadOnlySequence<byte> body)
    {
        try
        {
            return Process(response, call, body);
        }
#pragma warning disable CA1031 // Whatever goes wrong inside, the client gets a documented code and the server goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogUnexpected(e.GetType().Name);
            Fail(response, call, ApiCode.Unavailable);
            return Task.CompletedTask;
        }
    }

    // A malformed or oversized body as Kestrel sees it, or a connection that went away mid-body.
    private static bool IsBodyFailure(Exception e) => e is BadHttpRequestException or IOException or OperationCanceledException;

    private void FailBody(HttpResponse response, Call call, Exception e)
    {
        if (e is not BadHttpRequestException bad || response.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // A dropped connection has no one to answer.
            return;
        }

        if (bad.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // The body came slower than MinDataBytesPerSecond: HTTP's own answer, as Kestrel gives
            // when nothing handles it, and the connection closes after it.
            response.StatusCode = StatusCodes.Status408RequestTimeout;
            response.ContentLength = 0;
            response.Headers.Connection = "close";
            return;
        }

        Fail(response, call, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ApiCode.TooLarge : ApiCode.Malformed);
    }

    private Task Process(HttpResponse response, Call call, ReadOnlySequence<byte> sequence)
    {
        byte[]? rentedBody = null;
        ReadOnlySpan<byte> body;
        if (sequence.IsSingleSegment)
        {
            body = sequence.FirstSpan;
        }
        else
        {
            rentedBody = ArrayPool<byte>.Shared.Rent((int)sequence.Length);
            sequence.CopyTo(rentedBody);
            body = rentedBody.AsSpan(0, (int)sequence.Length);
        }

        byte[]? rentedScratch = null;
        Span<byte> scratch = body.Length <= StackScratchBytes
            ? stackalloc byte[StackScratchBytes]
            : (rentedScratch = ArrayPool<byte>.Shared.Rent(body.Length));
        try
        {
            return call == Call.Request ? RequestCode(response, body, scratch) : VerifyCode(response, body, scratch);
        }
        finally
        {
            if (rentedBody is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBody);
            }

            if (rentedScratch is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedScratch);
            }
        }
    }

    private Task RequestCode(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch)
    {
        if (!RequestFields.TryParse(body, scratch, out RequestFields fields)
            || fields.HasStructuredValue(ApiField.ApiKey, ApiField.ReCreate)
            || TooLong(fields, ApiField.TokenCreator, ServerOptions.MaxTokenCreatorChars))
        {
            Fail(response, Call.Request, ApiCode.Malformed);
            return Task.CompletedTask;
        }

        if (!TryAuthenticate(response, Call.Request, fields, out Account account))
        {
            return Task.CompletedTask;
        }

        if (account.State == AccountState.SendingBlocked)
        {
            Fail(response, Call.Request, ApiCode.SendingBlocked);
            return Task.CompletedTask;
        }

        if (IsUnusable(response, Call.Request, account) || IsOverRate(response, Call.Request, account))
        {
            return Task.CompletedTask;
        }

        CodeType codeType = CodeType.Num;
        FieldValue typeField = fields[ApiField.CodeType];
        if (typeField.Kind is not (ValueKind.Absent or ValueKind.Null)
            && (typeField.Kind != ValueKind.String || !CodeAlphabet.TryParse(fields.Text(typeField), out codeType)))
        {
            Fail(response, Call.Request, ApiCode.InvalidCodeType);
            return Task.CompletedTask;
        }

        long codeLength = CodeAlphabet.MinLength;
        if (!IsDefault(fields, ApiField.CodeLength)
            && (!fields.TryGetInteger(ApiField.CodeLength, out codeLength) || !CodeAlphabet.IsValidLength((int)Math.Min(codeLength, int.MaxValue))))
        {
            Fail(response, Call.Request, ApiCode.InvalidCodeLength);
            return Task.CompletedTask;
        }

        long expiry = 0;
        if (!IsDefault(fields, ApiField.Expiry)
            && (!fields.TryGetInteger(ApiField.Expiry, out expiry) || expiry > _maxExpirySeconds))
        {
            Fail(response, Call.Request, ApiCode.InvalidExpiry);
            return Task.CompletedTask;
        }

        bool reCreate = false;
        if (!IsDefault(fields, ApiField.ReCreate) && !fields.TryGetBoolean(ApiField.ReCreate, out reCreate))
        {
            Fail(response, Call.Request, ApiCode.InvalidRecreate);
            return Task.CompletedTask;
        }

        Span<byte> otp = stackalloc byte[CodeAlphabet.MaxLength];
        FieldValue creator = fields[ApiField.TokenCreator];
        if (creator.IsMissing)
        {
            otp = otp[..(int)codeLength];
            CodeGenerator.Write(codeType, otp);
            Count(Call.Request, ApiCode.Accepted);
            ApiResponse.WriteIssued(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), otp, default);
            return Task.CompletedTask;
        }

        var request = new IssueRequest(account.Id, _store.DigestCreator(account.Id, fields.Text(creator)), codeType, (int)codeLength, (int)expiry, reCreate);
        ValueTask<IssueResult> issuing = _store.IssueAsync(request);
        if (!issuing.IsCompletedSuccessfully)
        {
            return AnswerIssueAsync(response, issuing);
        }

        AnswerIssue(response, issuing.Result);
        return Task.CompletedTask;
    }

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
                Count(Call.Request, ApiCode.Accepted);
                ApiResponse.WriteIssued(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), otp[..issued.Code.CopyTo(otp)], token);
                break;
            case IssueStatus.CoolingDown:
                Fail(response, Call.Request, ApiCode.RateLimited, ApiCode.ResendCooldownMessage);
                break;
            case IssueStatus.FailedVerifiesSpent:
                Fail(response, Call.Request, ApiCode.RateLimited, ApiCode.FailedVerifiesSpentMessage);
                break;
            default:
                Fail(response, Call.Request, ApiCode.Unavailable);
                break;
        }
    }

    private Task VerifyCode(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch)
    {
        if (!RequestFields.TryParse(body, scratch, out RequestFields fields)
            || fields.HasStructuredValue(ApiField.ApiKey, ApiField.ApiKey)
            || fields.HasStructuredValue(ApiField.Token, ApiField.Otp))
        {
            Fail(response, Call.Verify, ApiCode.Malformed);
            return Task.CompletedTask;
        }

        if (!TryAuthenticate(response, Call.Verify, fields, out Account account)
            || IsUnusable(response, Call.Verify, account)
            || IsOverRate(response, Call.Verify, account))
        {
            return Task.CompletedTask;
        }

        FieldValue tokenField = fields[ApiField.Token];
        FieldValue otpField = fields[ApiField.Otp];
        if (tokenField.Kind != ValueKind.String || otpField.Kind is not (ValueKind.String or ValueKind.Number)
            || !OtpToken.TryParse(fields.Text(tokenField), out OtpToken token)
            || !CodeAlphabet.IsPlausibleCode(fields.Text(otpField)))
        {
            Fail(response, Call.Verify, ApiCode.InvalidTokenOrOtp);
            return Task.CompletedTask;
        }

        ValueTask<VerifyResult> verifying = _store.VerifyAsync(new VerifyRequest(account.Id, token, new OtpCode(fields.Text(otpField))));
        if (!verifying.IsCompletedSuccessfully)
        {
            return AnswerVerifyAsync(response, token, verifying);
        }

        AnswerVerify(response, token, verifying.Result);
        return Task.CompletedTask;
    }

    private async Task AnswerVerifyAsync(HttpResponse response, OtpToken token, ValueTask<VerifyResult> verifying) =>
        AnswerVerify(response, token, await verifying.ConfigureAwait(false));

    private void AnswerVerify(HttpResponse response, OtpToken token, in VerifyResult result)
    {
        _metrics.CountOutcome(result.Outcome);
        if (result.Outcome == VerifyOutcome.Unavailable)
        {
            Fail(response, Call.Verify, ApiCode.Unavailable);
            return;
        }

        Span<byte> tokenText = stackalloc byte[OtpToken.Length];
        token.Format(tokenText);
        Span<byte> matched = stackalloc byte[CodeAlphabet.MaxLength];
        Count(Call.Verify, ApiCode.Accepted);
        ApiResponse.WriteVerified(response, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]), result.Outcome, tokenText, matched[..result.Code.CopyTo(matched)]);
    }

    /// <summary>Codes 402 and 403.</summary>
    private bool TryAuthenticate(HttpResponse response, Call call, in RequestFields fields, out Account account)
    {
        account = null!;
        FieldValue key = fields[ApiField.ApiKey];
        if (key.IsMissing)
        {
            Fail(response, call, ApiCode.EmptyKey);
            return false;
        }

        if (!_accounts.Current.TryFind(fields.Text(key), _time, out account))
        {
            Fail(response, call, ApiCode.InvalidKey);
            return false;
        }

        return true;
    }

    /// <summary>Codes 405 and 448, in that order (a sending-blocked account is checked by the caller).</summary>
    private bool IsUnusable(HttpResponse response, Call call, Account account)
    {
        if (account.IsExpiredOn(DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)))
        {
            Fail(response, call, ApiCode.AccountExpired);
            return true;
        }

        if (account.State == AccountState.Deactivated)
        {
            Fail(response, call, ApiCode.Deactivated);
            return true;
        }

        return false;
    }

    /// <summary>Code 429: the account's request rate is spent.</summary>
    private bool IsOverRate(HttpResponse response, Call call, Account account)
    {
        if (_rates.TryAcquire(account))
        {
            return false;
        }

        Fail(response, call, ApiCode.RateLimited);
        return true;
    }

    /// <summary>An optional field left out or given as null takes its default.</summary>
    private static bool IsDefault(in RequestFields fields, ApiField field) => fields[field].Kind is ValueKind.Absent or ValueKind.Null;

    private static bool TooLong(in RequestFields fields, ApiField field, int maxChars)
    {
        FieldValue value = fields[field];
        return value.Length > maxChars && Encoding.UTF8.GetCharCount(fields.Text(value)) > maxChars;
    }

    private void Fail(HttpResponse response, Call call, int code) => Fail(response, call, code, ApiCode.Message(code));

    private void Fail(HttpResponse response, Call call, int code, ReadOnlySpan<byte> message)
    {
        Count(call, code);
        ApiResponse.WriteError(response, code, message, NextTransactionId(stackalloc byte[TransactionIdGenerator.MaxDigits]));
    }

    private void Count(Call call, int code)
    {
        if (call == Call.Request)
        {
            _metrics.CountRequest(code);
        }
        else
        {
            _metrics.CountVerify(code);
        }
    }

    private Span<byte> NextTransactionId(Span<byte> buffer) => buffer[.._transactionIds.WriteNext(buffer)];

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} while answering an API call; answered code 503")]
    private partial void LogUnexpected(string exceptionType);
}
