using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace OtpFast.Server.Tests.Api;

/// <summary>
/// docs/openapi.json as a validator: the schema of each documented answer, built with a full
/// JSON Schema 2020-12 implementation (OpenAPI 3.1's dialect). <see cref="Answer.ReadAsync"/>
/// checks every answer the tests read through it, so the document cannot drift from the server
/// without a test failing.
/// </summary>
internal static class OpenApiContract
{
    private const string SchemaRefPrefix = "#/components/schemas/";

    private static readonly Lazy<JsonObject> Document = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "openapi.json")))!.AsObject());

    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    /// <summary>The document as the test build copied it from docs/openapi.json.</summary>
    public static JsonObject Doc => Document.Value;

    /// <summary>The path as the document spells it, for a request path the server matched (API paths match in any case).</summary>
    public static string? DocumentedPath(string requestPath) =>
        Doc["paths"]!.AsObject().Select(p => p.Key).FirstOrDefault(p => p.Equals(requestPath, StringComparison.OrdinalIgnoreCase));

    /// <summary>Fails unless <paramref name="status"/> and <paramref name="raw"/> are an answer the document allows for a POST to <paramref name="path"/>.</summary>
    public static void AssertPostAnswer(string path, HttpStatusCode status, string raw)
    {
        JsonObject responses = Doc["paths"]![path]!["post"]!["responses"]!.AsObject();
        string key = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(responses.ContainsKey(key), $"POST {path} answered HTTP {key}, which docs/openapi.json does not list.");
        if (responses[key]!["content"] is not JsonObject content)
        {
            Assert.True(raw.Length == 0, $"POST {path} answered HTTP {key} with a body; the document says it has none.");
            return;
        }

        string schemaRef = content["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        AssertValid(schemaRef[SchemaRefPrefix.Length..], raw);
    }

    /// <summary>
    /// Builds the answer schemas and runs one evaluation, so that their first use (hundreds of
    /// milliseconds of loading and JIT) is paid when a server starts, not inside a test that
    /// times its requests.
    /// </summary>
    public static void Prepare()
    {
        foreach (string name in new[] { "RequestOneTimeCodeAnswer", "VerifyOneTimeCodeAnswer" })
        {
            Validate(name, "{}");
        }
    }

    /// <summary>Fails unless <paramref name="json"/> validates against the component schema <paramref name="name"/>.</summary>
    public static void AssertValid(string name, string json)
    {
        EvaluationResults result = Validate(name, json);
        Assert.True(result.IsValid, $"Not a {name} as docs/openapi.json defines it: {json}\n{Describe(result)}");
    }

    public static EvaluationResults Validate(string name, string json)
    {
        using JsonDocument instance = JsonDocument.Parse(json);
        return Schemas.GetOrAdd(name, Build).Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    // The component schemas become the $defs of one schema resource whose root refers to the one
    // wanted, so that their "#/components/schemas/..." references resolve as in the document.
    private static JsonSchema Build(string name)
    {
        var bundle = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://otpfast.test/openapi/{name}",
            ["$defs"] = Doc["components"]!["schemas"]!.DeepClone(),
            ["$ref"] = $"#/$defs/{name}",
        };
        string text = bundle.ToJsonString().Replace($"\"{SchemaRefPrefix}", "\"#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    private static string Describe(EvaluationResults result) => string.Join('\n',
        (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"  at {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}")));
}
