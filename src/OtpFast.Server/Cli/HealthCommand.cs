using System.Net.Sockets;
using System.Text;

namespace OtpFast.Server.Cli;

/// <summary>
/// <c>otpfast health [--url URL]</c>: exits 0 when the server answers <c>/healthz</c> with 200.
/// For container HEALTHCHECKs in images without a shell or curl.
/// </summary>
/// <remarks>A plain HTTP/1.1 GET over a socket: HttpClient would pull much more into the binary.</remarks>
internal static class HealthCommand
{
    public const string DefaultUrl = "http://localhost:5080/healthz";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string url = DefaultUrl;
        if (args.Length == 2 && args[0] == "--url")
        {
            url = args[1];
        }
        else if (args.Length != 0)
        {
            stderr.WriteLine("usage: otpfast health [--url http://HOST:PORT/healthz]");
            return 64;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "http")
        {
            stderr.WriteLine($"otpfast health: not an http URL: {url}");
            return 64;
        }

        try
        {
            using var client = new TcpClient();
            client.SendTimeout = client.ReceiveTimeout = 3000;
            if (!client.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(3)))
            {
                stderr.WriteLine($"otpfast health: no answer from {uri.Host}:{uri.Port}");
                return 1;
            }

            using NetworkStream stream = client.GetStream();
            string path = uri.AbsolutePath == "/" ? "/healthz" : uri.PathAndQuery;
            stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n"));
            var buffer = new byte[64];
            int read = stream.Read(buffer);
            string status = Encoding.ASCII.GetString(buffer, 0, read);
            bool healthy = status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
            stdout.WriteLine(healthy ? "healthy" : $"unhealthy: {status.Split('\r')[0]}");
            return healthy ? 0 : 1;
        }
        catch (Exception e) when (e is SocketException or IOException or AggregateException)
        {
            stderr.WriteLine($"otpfast health: {e.GetBaseException().Message}");
            return 1;
        }
    }
}
