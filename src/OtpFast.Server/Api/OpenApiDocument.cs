namespace OtpFast.Server.Api;

/// <summary>
/// docs/openapi.json, embedded in the binary at build time and served at <c>GET /openapi.json</c>
/// byte for byte: the document users generate clients from is the one the API tests validate
/// every answer against.
/// </summary>
internal static class OpenApiDocument
{
    private const string ResourceName = "OtpFast.openapi.json";

    /// <summary>The document's UTF-8 bytes, read once (about 35 KB).</summary>
    public static ReadOnlyMemory<byte> Bytes { get; } = Load();

    private static byte[] Load()
    {
        using Stream stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
