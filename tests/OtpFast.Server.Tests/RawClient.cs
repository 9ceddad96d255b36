using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OtpFast.Server.Tests;

/// <summary>A client on a bare TCP socket, for what HttpClient will not do: send nothing, stop half-way, come from 127.0.0.2.</summary>
internal static class RawClient
{
    public const string RequestPath = "/v4/requestOneTimeCode";

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> from the loopback address <paramref name="from"/>.</summary>
    public static async Task<Socket> ConnectAsync(int port, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAsync(this Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Headers for a POST whose body is to follow (or not); with <paramref name="close"/>, the server closes after its answer.</summary>
    public static string PostHead(string path, int contentLength, bool close = false) =>
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    /// <summary>
    /// Reads what the server sends until it closes the connection (an end of stream or a reset),
    /// at most for <paramref name="timeout"/>; Closed is false when the connection was still open then.
    /// </summary>
    public static async Task<(string Received, bool Closed)> ReadUntilClosedAsync(this Socket socket, TimeSpan timeout)
    {
        var received = new StringBuilder();
        byte[] buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return (received.ToString(), true);
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (received.ToString(), true);
        }
        catch (OperationCanceledException)
        {
            return (received.ToString(), false);
        }
    }

    /// <summary>Reads one whole answer (headers and a Content-Length body), leaving the connection open.</summary>
    public static async Task<string> ReadAnswerAsync(this Socket socket, TimeSpan timeout)
    {
        var received = new StringBuilder();
        byte[] buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string text = received.ToString();
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                string length = text[..end].Split("\r\n").Single(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim();
                if (text.Length >= end + 4 + int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))
                {
                    return text;
                }
            }

            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(n > 0, $"the server closed the connection after: {text}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }
}
