using System.Buffers;
using System.IO.Pipelines;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Api;

/// <summary>
/// Reads a request body of at most MaxBodyBytes, whatever its Content-Type, and hands it whole to
/// an <see cref="IBodyReceiver"/>: code 413 for a body over the limit (declared or grown past it),
/// HTTP 408 for a body slower than MinDataBytesPerSecond, nothing for a dropped connection, and
/// code 503 for anything unexpected while answering.
/// </summary>
internal sealed partial class BoundedBodyReader
{
    private const int StackScratchBytes = 2048;

    private readonly int _maxBodyBytes;
    private readonly ILogger<BoundedBodyReader> _logger;

    public BoundedBodyReader(ServerOptions options, ILogger<BoundedBodyReader> logger)
    {
        _maxBodyBytes = options.MaxBodyBytes;
        _logger = logger;
    }

    // Synchronous when the whole body is already buffered (the usual case for a small POST):
    // no async state machine is boxed, and RequestAborted is never touched (Kestrel makes its
    // CancellationTokenSource on first use; a dropped connection ends the body read anyway).
    public Task ReadAsync(HttpContext context, IBodyReceiver receiver)
    {
        HttpRequest request = context.Request;
        if (request.ContentLength > _maxBodyBytes)
        {
            receiver.Fail(context.Response, ApiCode.TooLarge);
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
                    return Finish(context.Response, receiver, body, first);
                }

                read = new ValueTask<ReadResult>(first);
            }

            return ReadRestAsync(context.Response, receiver, body, read);
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            FailBody(context.Response, receiver, e);
            return Task.CompletedTask;
        }
    }

    // The body comes in more than one read. Each part is copied out and consumed at once, never
    // examined and left unconsumed: after such an AdvanceTo, Kestrel cannot put its connection's
    // input back when a later body read fails (the client went away mid-body, or sent too slowly),
    // so that input stays mid-read, and Kestrel's read of the next request on the connection then
    // throws ReadingIsInProgress (a warning with a stack trace, once per such connection).
    private async Task ReadRestAsync(HttpResponse response, IBodyReceiver receiver, PipeReader body, ValueTask<ReadResult> pending)
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
                    await Finish(response, receiver, body, read).ConfigureAwait(false);
                    return;
                }

                if (length + buffer.Length > _maxBodyBytes)
                {
                    // Stop here: the rest of an oversized body is never buffered.
                    body.AdvanceTo(buffer.End);
                    receiver.Fail(response, ApiCode.TooLarge);
                    return;
                }

                parts ??= ArrayPool<byte>.Shared.Rent(_maxBodyBytes);
                buffer.CopyTo(parts.AsSpan(length));
                length += (int)buffer.Length;
                body.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    await Answer(response, receiver, new ReadOnlySequence<byte>(parts, 0, length)).ConfigureAwait(false);
                    return;
                }

                pending = body.ReadAsync();
            }
        }
        catch (Exception e) when (IsBodyFailure(e))
        {
            FailBody(response, receiver, e);
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
    private Task Finish(HttpResponse response, IBodyReceiver receiver, PipeReader body, ReadResult read)
    {
        try
        {
            if (read.Buffer.Length > _maxBodyBytes)
            {
                // Stop here: the rest of an oversized body is never buffered.
                receiver.Fail(response, ApiCode.TooLarge);
                return Task.CompletedTask;
            }

            return Answer(response, receiver, read.Buffer);
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }
    }

    private Task Answer(HttpResponse response, IBodyReceiver receiver, ReadOnlySequence<byte> body)
    {
        try
        {
            return AnswerContiguous(response, receiver, body);
        }
#pragma warning disable CA1031 // Whatever goes wrong inside, the client gets a documented code and the server goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogUnexpected(e.GetType().Name);
            receiver.Fail(response, ApiCode.Unavailable);
            return Task.CompletedTask;
        }
    }

    // A malformed or oversized body as Kestrel sees it, or a connection that went away mid-body.
    private static bool IsBodyFailure(Exception e) => e is BadHttpRequestException or IOException or OperationCanceledException;

    private static void FailBody(HttpResponse response, IBodyReceiver receiver, Exception e)
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

        receiver.Fail(response, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ApiCode.TooLarge : ApiCode.Malformed);
    }

    // The JSON reader wants one span: a body in several segments is joined into a pooled array.
    private static Task AnswerContiguous(HttpResponse response, IBodyReceiver receiver, ReadOnlySequence<byte> sequence)
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
            return receiver.Answer(response, body, scratch);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} while answering an API call; answered code 503")]
    private partial void LogUnexpected(string exceptionType);
}
