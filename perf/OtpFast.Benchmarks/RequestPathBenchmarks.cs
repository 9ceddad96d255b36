using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OtpFast.Core.Codes;
using OtpFast.Core.Store;
using OtpFast.Core.Tokens;
using OtpFast.Server.Api;

namespace OtpFast.Benchmarks;

/// <summary>
/// The request path's own work around the store: a typical body of each endpoint parsed into its
/// args (every check the endpoint runs on them included), and an answer of each endpoint written
/// into a response. Goal (issue 12): 0 B allocated for both.
/// </summary>
/// <remarks>
/// The answer is written into a <see cref="DefaultHttpContext"/> whose body writer is a buffer
/// each answer overwrites, so only ApiResponse's work is measured, headers included (its
/// HeaderDictionary keeps Content-Length as a string, which measured 0 B for these answers).
/// Run: dotnet run -c Release --project perf/OtpFast.Benchmarks -- --filter '*RequestPath*' --job short
/// (add --buildTimeout 900 on a loaded machine: BenchmarkDotNet gives its build 120 s).
/// </remarks>
[MemoryDiagnoser]
public class RequestPathBenchmarks
{
    private static readonly byte[] RequestBody = """
        {"apiKey":"otpf_3ihyrv6wiulymx45ywjdkxawsjd3migt","codeType":"num","codeLength":6,"tokenCreator":"user@example.com","expiry":300}
        """u8.ToArray();

    private static readonly byte[] VerifyBody = """
        {"apiKey":"otpf_3ihyrv6wiulymx45ywjdkxawsjd3migt","token":"MINRSVBGOKWKEI2MOU47TJ25XM","otp":"630412"}
        """u8.ToArray();

    private static readonly byte[] TransactionId = "120143828739948544"u8.ToArray();
    private static readonly byte[] Otp = "630412"u8.ToArray();
    private static readonly byte[] Token = "MINRSVBGOKWKEI2MOU47TJ25XM"u8.ToArray();

    private readonly byte[] _scratch = new byte[2048];
    private readonly AnswerSink _body = new();
    private HttpResponse _response = null!;

    [GlobalSetup]
    public void Setup()
    {
        _response = Response(_body);

        // Measure only what answers right.
        if (ParseRequestBody() != 6 + 300 + 16 || ParseVerifyBody() != 6)
        {
            throw new InvalidOperationException("The bodies did not parse as expected.");
        }

        WriteIssuedAnswer();
        string issued = Encoding.UTF8.GetString(_body.Written);
        if (issued != """{"code":200,"status":"Success","transactionId":"120143828739948544","OTP":"630412","token":"MINRSVBGOKWKEI2MOU47TJ25XM"}"""
            || _response.ContentLength != _body.Written.Length)
        {
            throw new InvalidOperationException("Unexpected issued answer: " + issued);
        }

        WriteVerifiedAnswer();
        string verified = Encoding.UTF8.GetString(_body.Written);
        if (verified != """{"code":200,"status":"Success","transactionId":"120143828739948544","verify":"true","verified":true,"token":"MINRSVBGOKWKEI2MOU47TJ25XM","OTP":"630412"}"""
            || _response.ContentLength != _body.Written.Length)
        {
            throw new InvalidOperationException("Unexpected verified answer: " + verified);
        }
    }

    [Benchmark]
    public int ParseRequestBody()
    {
        if (!RequestCodeArgs.TryParse(RequestBody, _scratch, out RequestCodeArgs args)
            || !args.TryGetCodeType(out _)
            || !args.TryGetCodeLength(out int codeLength)
            || !args.TryGetExpiry(2_592_000, out int expiry)
            || !args.TryGetReCreate(out _))
        {
            return -1;
        }

        return codeLength + expiry + args.TokenCreator.Length + (args.ApiKey.IsEmpty ? 1000 : 0);
    }

    [Benchmark]
    public int ParseVerifyBody()
    {
        if (!VerifyArgs.TryParse(VerifyBody, _scratch, out VerifyArgs args)
            || args.ApiKey.IsEmpty
            || !args.TryGetToken(out OtpToken _)
            || !args.TryGetOtp(out OtpCode otp))
        {
            return -1;
        }

        return otp.Length;
    }

    [Benchmark]
    public void WriteIssuedAnswer() => ApiResponse.WriteIssued(_response, TransactionId, Otp, Token);

    [Benchmark]
    public void WriteVerifiedAnswer() => ApiResponse.WriteVerified(_response, TransactionId, VerifyOutcome.Verified, Token, Otp);

    private static HttpResponse Response(AnswerSink body)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseBodyFeature>(new SinkBodyFeature(body));
        return context.Response;
    }

    /// <summary>A response body every answer overwrites from its start: nothing grows, nothing to reset between calls.</summary>
    private sealed class AnswerSink : PipeWriter
    {
        private readonly byte[] _buffer = new byte[4096];
        private int _written;

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _written);

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override void Advance(int bytes) => _written = bytes;

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;
    }

    private sealed class SinkBodyFeature(PipeWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => Stream.Null;

        public PipeWriter Writer => writer;

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task CompleteAsync() => Task.CompletedTask;
    }
}
