using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>Issue 11, item 6: HTTPS the standard ASP.NET way, with a PEM certificate and key.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otpfast-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ARequestAndItsVerifyGoOverTlsWithACertificateFromPemFiles()
    {
        (string certPath, string keyPath, X509Certificate2 cert) = SelfSigned();
        await using TestApp app = await TestApp.StartAsync(Tls(certPath, keyPath), sockets: true);
        using HttpClient client = ClientTrusting(cert, app.Port);

        using HttpResponseMessage issued = await client.PostAsJsonAsync("/v4/requestOneTimeCode", new { apiKey = app.Key, tokenCreator = "tls@example.com" });
        JsonElement pair = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(200, pair.GetProperty("code").GetInt32());

        using HttpResponseMessage verified = await client.PostAsJsonAsync("/v4/verifyOneTimeCode", new { apiKey = app.Key, token = pair.GetProperty("token").GetString(), otp = pair.GetProperty("OTP").GetString() });
        Assert.Equal("true", (await verified.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("verify").GetString());
    }

    [Fact]
    public async Task PlainHttpToTheTlsPortIsRefusedAndTheServerStillServesTls()
    {
        (string certPath, string keyPath, X509Certificate2 cert) = SelfSigned();
        await using TestApp app = await TestApp.StartAsync(Tls(certPath, keyPath), sockets: true);
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.Port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAnyAsync<Exception>(() => plain.GetStringAsync("/healthz"));

        using HttpClient client = ClientTrusting(cert, app.Port);
        Assert.Equal("ok\n", await client.GetStringAsync("/healthz"));
    }

    // Idle sockets must not pile up on a TLS port either: one that sends nothing, or stops in the
    // middle of its handshake, is closed after RequestHeadersTimeoutSeconds, as on a plain port.
    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x16, 0x03, 0x01 })]
    public async Task ASocketThatStallsBeforeOrInItsHandshakeIsClosedAfterTheHeadersTimeout(byte[] sent)
    {
        (string certPath, string keyPath, _) = SelfSigned();
        Dictionary<string, string?> settings = Tls(certPath, keyPath);
        settings["RequestHeadersTimeoutSeconds"] = "2";
        await using TestApp app = await TestApp.StartAsync(settings, sockets: true);
        using var idle = new System.Net.Sockets.TcpClient();
        await idle.ConnectAsync(System.Net.IPAddress.Loopback, app.Port);
        await idle.GetStream().WriteAsync(sent);
        var started = System.Diagnostics.Stopwatch.StartNew();
        byte[] buffer = new byte[16];
        int read;
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            read = await idle.GetStream().ReadAsync(buffer, cancel.Token);
        }
        catch (IOException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
    }

    private static Dictionary<string, string?> Tls(string certPath, string keyPath) => new()
    {
        ["Urls"] = "https://127.0.0.1:0",
        ["Kestrel:Certificates:Default:Path"] = certPath,
        ["Kestrel:Certificates:Default:KeyPath"] = keyPath,
    };

    private (string CertPath, string KeyPath, X509Certificate2 Cert) SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string certPath = Path.Combine(_dir, "server.crt");
        string keyPath = Path.Combine(_dir, "server.key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath, cert);
    }

    // Trusts exactly this certificate (not every certificate): the test checks the server presents it.
    private static HttpClient ClientTrusting(X509Certificate2 cert, int port) => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.Thumbprint == cert.Thumbprint,
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(20),
    };
}
