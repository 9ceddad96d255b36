using System.Net.Sockets;
using System.Text;
using OtpFast.Core.IO;

namespace OtpFast.Server.Cli;

/// <summary>
/// <c>otpfast health [--url URL]</c>: exits 0 when the server answers <c>/healthz</c> with 200.
/// For container HEALTHCHECKs in images without a shell or curl.
/// </summary>
/// <remarks>A plain HTTP/1.1 GET over a socket: HttpClient would pull much more into the binary.</remarks>
internal static class HealthCommand
{
    public const string DefaultUrl = "http://localhost:5080/healthz";

    /// <summary>How long the connect, and then each send and receive, may take: a container HEALTHCHECK wants an answer soon.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, DefaultTimeout);

    /// <param name="timeout">For tests, whose subject is the answer, not how soon it comes on a loaded machine.</param>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeSpan timeout)
    {
        string url = DefaultUrl;
        if (args is ["--help" or "-h"])
        {
            stdout.WriteLine(Usage.Health);
            return 0;
        }

        if (args is ["--url", string given] && !given.StartsWith("--", StringComparison.Ordinal))
        {
            url = given;
        }
        else if (args.Length != 0)
        {
            return Usage.Fail(stderr, "otpfast health", args[0] == "--url" ? "--url needs a value." : $"unexpected argument '{args[0]}'.", Usage.Health);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "http")
        {
            return Usage.Fail(stderr, "otpfast health", $"not an http URL: {url}", Usage.Health);
        }

        try
        {
            using var client = new TcpClient();
            client.SendTimeout = client.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            if (!client.ConnectAsync(uri.Host, uri.Port).Wait(timeout))
            {
                stderr.WriteLine($"otpfast health: no answer from {url} within {timeout.TotalSeconds:0.###} s");
                return 1;
            }

            using NetworkStream stream = client.GetStream();
            string path = uri.AbsolutePath == "/" ? "/healthz" : uri.PathAndQuery;
            stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n"));
            var buffer = new byte[64];
            int read = stream.Read(buffer);
            string status = Encoding.ASCII.GetString(buffer, 0, read);
            bool healthy = status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
            stdout.WriteLine(healthy ? $"healthy: {url}" : $"unhealthy: {url} answered {status.Split('\r')[0]}");
            return healthy ? 0 : 1;
        }
        catch (Exception e) when (e is SocketException or IOException or AggregateException)
        {
            stderr.WriteLine($"otpfast health: no answer from {url}: {Describe(e.GetBaseException())}");
            return 1;
        }
    }

    // Our own words: the AOT build strips .NET's messages to resource keys.
    private static string Describe(Exception e) => e switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is the server running on that port?)",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "timed out",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => "host not found",
        SocketException s => $"socket error {s.SocketErrorCode}",
        _ => IoProblem.Describe(e),
    };
}
