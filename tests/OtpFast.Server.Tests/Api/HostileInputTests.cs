using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace OtpFast.Server.Tests.Api;

/// <summary>
/// Garbage in, documented codes out: generated and mutated bodies plus a fixed corpus of nasty
/// inputs, sent to both endpoints. Every answer must be HTTP 200 with a JSON body carrying a
/// code from that endpoint's table, never 503 (which here would mean an internal failure),
/// nothing may be logged as unexpected, and a normal request must still succeed afterwards.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const int GeneratedBodies = 20_000;

    private static readonly HashSet<int> RequestCodes = [200, 400, 401, 402, 403, 404, 405, 413, 429, 448, 480, 481, 482, 483];
    private static readonly HashSet<int> VerifyCodes = [200, 400, 401, 402, 403, 405, 413, 429, 442, 448];

    private static readonly string[] FieldNames =
        ["apiKey", "APIKEY", "codeType", "codeLength", "CodeLength", "tokenCreator", "expiry", "reCreate", "token", "otp", "OTP", "x", "", "\\u0061piKey"];

    private readonly ConcurrentDictionary<int, int> _seen = new();
    private TestApp _app = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _token = (await _app.IssueAsync("victim@example.com", expiry: 0)).Token;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task TwentyThousandGeneratedAndMutatedBodiesGetOnlyDocumentedCodes()
    {
        var bodies = new List<byte[]>(GeneratedBodies);
        Gen.OneOf(Document(3), Mutated()).Sample(b => bodies.Add(b), iter: GeneratedBodies, threads: 1);
        Assert.Equal(GeneratedBodies, bodies.Count);
        await SendAll(bodies);

        // The generator reaches past the parser: key checks, every field check, and successes.
        foreach (int code in new[] { 200, 400, 402, 403, 442, 480, 481, 482, 483 })
        {
            Assert.True(_seen.ContainsKey(code), $"no generated body was answered {code}; seen: {string.Join(",", _seen.Keys.Order())}");
        }
    }

    [Fact]
    public async Task TheFixedCorpusOfNastyInputsGetsOnlyDocumentedCodes()
    {
        string key = _app.Key;
        var corpus = new List<byte[]>
        {
            Utf8(new string('[', 100_000)),
            Utf8(new string('{', 5000)),
            Utf8("{\"apiKey\":" + new string('[', 1000) + new string(']', 1000) + "}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":1e400}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"expiry\":-0}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"expiry\":-0.0}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":NaN}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":Infinity}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":\"NaN\"}}"),
            Join(Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\""), [0xC3, 0x28, 0xFF, 0xFE], Utf8("\"}")),
            Join(Utf8("{\"apiKey\":\""), [0xED, 0xA0, 0x80], Utf8("\"}")),
            Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"\\ud800\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"\\udc00x\\ud800\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"a\\u0000b\"}}"),
            Join(Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"a"), [0x00], Utf8("b\"}")),
            new byte[4],
            Join([0xEF, 0xBB, 0xBF], Utf8($"{{\"apiKey\":\"{key}\"}}")),
            Join([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF], Utf8($"{{\"apiKey\":\"{key}\"}}")),
            Join("\xEF\xBB\xBF"u8.ToArray(), Utf8($"{{\"apiKey\":\"{key}\"}}")),
            Utf8($"/* lead */ {{\"apiKey\":\"{key}\" // line\n, \"codeLength\":5 /* x */}}"),
            Utf8($"{{\"apiKey\":\"{key}\" /* unterminated"),
            Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"{new string('x', 1_000_000)}\"}}"),
            Utf8($"{{\"apiKey\":\"{new string('k', 1_000_000)}\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"apiKey\":\"{key}\",\"apiKey\":\"nope\"}}"),
            Utf8($"{{\"apiKey\":\"nope\",\"apiKey\":\"{key}\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"token\":\"{_token}\",\"otp\":\"1234\",\"otp\":\"12345\",\"OTP\":\"9\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"tokenCreator\":\"{new string('é', 300)}\"}}"),
            Utf8("{\"apiKey\":\"\\u006F\\u0074\\u0070\\u0066_\"}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":\"\\u0034\"}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"codeLength\":12345678901234567890123}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"expiry\":9223372036854775808}}"),
            Utf8($"{{\"apiKey\":\"{key}\",\"expiry\":\"-1\"}}"),
            Utf8("{\"apiKey\":\"" + key + "\",\"token\":\"" + _token.ToLowerInvariant() + "\",\"otp\":123456789012345678901234567890}"),
            Utf8("{\"apiKey\"  :  \"" + key + "\"  }   \n\t  "),
            Utf8("{\"apiKey\":\"" + key + "\",}"),
            Utf8("{\"apiKey\":\"" + key + "\",,}"),
            Utf8("{,}"),
            Utf8("{}}"),
            Utf8("\"just a string\""),
            Utf8("12345"),
            Utf8("null"),
            Utf8("true"),
            Array.Empty<byte>(),
        };
        foreach (string field in FieldNames)
        {
            corpus.Add(Utf8($"{{\"apiKey\":\"{key}\",\"{field}\":[]}}"));
            corpus.Add(Utf8($"{{\"apiKey\":\"{key}\",\"{field}\":{{}}}}"));
            corpus.Add(Utf8($"{{\"apiKey\":\"{key}\",\"{field}\":[{{\"a\":[1,{{}}]}}]}}"));
            corpus.Add(Utf8($"{{\"apiKey\":\"{key}\",\"{field}\":{{\"{field}\":\"{key}\"}}}}"));
        }

        await SendAll(corpus);
    }

    private async Task SendAll(List<byte[]> bodies)
    {
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, bodies.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            foreach (var (path, codes) in new[] { ("/v4/requestOneTimeCode", RequestCodes), ("/v4/verifyOneTimeCode", VerifyCodes) })
            {
                string? problem = await Check(path, bodies[i], codes, i % 3);
                if (problem is not null)
                {
                    failures.Enqueue($"{path} body #{i} ({Preview(bodies[i])}): {problem}");
                }
            }
        });

        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(10)));
        Assert.DoesNotContain("Unexpected", _app.Logs.All, StringComparison.Ordinal);
        Assert.Equal(200, (await _app.RequestAsync(new { apiKey = _app.Key, tokenCreator = "after@example.com" })).Code);
        Assert.Equal(200, (await _app.VerifyAsync(new { apiKey = _app.Key, token = "ABCDEFGHIJKLMNOPQRSTUVWXYA", otp = "1234" })).Code);
    }

    private async Task<string?> Check(string path, byte[] body, HashSet<int> codes, int contentTypeChoice)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentTypeChoice switch
        {
            0 => null,
            1 => new MediaTypeHeaderValue("application/json"),
            _ => new MediaTypeHeaderValue("application/x-www-form-urlencoded"),
        };
        using HttpResponseMessage response = await _app.Client.PostAsync(path, content);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"HTTP {(int)response.StatusCode}";
        }

        string text = await response.Content.ReadAsStringAsync();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            int code = doc.RootElement.GetProperty("code").GetInt32();
            _seen.AddOrUpdate(code, 1, (_, n) => n + 1);
            return codes.Contains(code) ? null : $"code {code}";
        }
        catch (JsonException)
        {
            return $"not JSON: {text}";
        }
    }

    // ---- generators ----

    private Gen<byte[]> Document(int depth) =>
        Gen.OneOf(Object(depth), Object(depth), Object(depth), Value(depth))
            .Select(Gen.Bool)
            .Select(t => Utf8(t.Item2 ? " \n" + t.Item1 + " \t" : t.Item1));

    private Gen<string> Object(int depth) =>
        Gen.Select(Gen.Select(Gen.OneOf(Gen.OneOf(FieldNames), Gen.String), Value(depth - 1)).Array[0, 7], Gen.Bool)
            .Select(t => "{" + string.Join(",", t.Item1.Select(p => JsonString(p.Item1) + ":" + p.Item2)) + (t.Item2 ? ",}" : "}"));

    private Gen<string> Value(int depth)
    {
        Gen<string> scalar = Gen.OneOf(
            Gen.OneOf("null", "true", "false", "\"true\"", "\"FALSE\"", "\"num\"", "\"alpha\"", "\"alphanum\"", "\"\"", "0", "-1", "4", "12", "13", "2592000", "1e3", "4.0", "-0"),
            Gen.OneOf(JsonString(_app.Key), JsonString(_token), JsonString(_token.ToLowerInvariant()), JsonString("123456")),
            Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
            Gen.String.Select(JsonString),
            Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abc01"].Array[0, 30].Select(c => JsonString(new string(c))));
        if (depth <= 0)
        {
            return scalar;
        }

        Gen<string> array = Value(depth - 1).Array[0, 4].Select(a => "[" + string.Join(",", a) + "]");
        return Gen.OneOf(scalar, scalar, scalar, scalar, array, Object(depth - 1));
    }

    // A valid body of either endpoint, then 1-4 byte-level edits: delete, insert, overwrite, duplicate, truncate.
    private Gen<byte[]> Mutated()
    {
        string key = _app.Key;
        string[] valid =
        [
            $"{{\"apiKey\":\"{key}\",\"codeType\":\"alphanum\",\"codeLength\":\"6\",\"tokenCreator\":\"m@example.com\",\"expiry\":\"300\",\"reCreate\":\"true\",}}",
            $"{{\"apiKey\":\"{key}\",\"token\":\"{_token}\",\"otp\":\"123456\"}}",
            $"{{\"apiKey\":\"{key}\",\"codeLength\":8,\"expiry\":0,\"reCreate\":false}}",
        ];
        return Gen.Select(Gen.OneOf(valid), Gen.Select(Gen.Int[0, 4], Gen.Int[0, 10_000], Gen.Byte).Array[1, 4])
            .Select(t => Mutate(Utf8(t.Item1), t.Item2));
    }

    private static byte[] Mutate(byte[] body, (int Op, int At, byte Value)[] edits)
    {
        var bytes = new List<byte>(body);
        foreach (var (op, at, value) in edits)
        {
            int i = bytes.Count == 0 ? 0 : at % bytes.Count;
            switch (op)
            {
                case 0 when bytes.Count > 0:
                    bytes.RemoveAt(i);
                    break;
                case 1:
                    bytes.Insert(i, value);
                    break;
                case 2 when bytes.Count > 0:
                    bytes[i] = value;
                    break;
                case 3 when bytes.Count > 0:
                    bytes.InsertRange(i, bytes.GetRange(i, Math.Min(8, bytes.Count - i)));
                    break;
                default:
                    bytes.RemoveRange(i, bytes.Count - i);
                    break;
            }
        }

        return [.. bytes];
    }

    private static string JsonString(string s) => JsonSerializer.Serialize(s);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Join(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static string Preview(byte[] body) => Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, 120)));
}
