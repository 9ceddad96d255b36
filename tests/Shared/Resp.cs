using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OtpFast.Tests;

/// <summary>An error reply ("-ERR ..."), returned rather than thrown by <see cref="RespConnection.Call"/>.</summary>
internal sealed record RespError(string Message);

/// <summary>
/// A minimal RESP2 client over one TCP connection, enough for tests to talk to a real Redis or
/// Garnet without a client library: PING, CLUSTER INFO, INFO, EVAL and the like. No pipelining,
/// no cluster redirects (MOVED comes back as a <see cref="RespError"/>).
/// </summary>
internal sealed class RespConnection : IDisposable
{
    private readonly TcpClient client;
    private readonly BufferedStream stream;

    private RespConnection(TcpClient client)
    {
        this.client = client;
        stream = new BufferedStream(client.GetStream(), 16 * 1024);
    }

    /// <summary>Connects to "host:port"; every send and receive then times out after <paramref name="timeout"/> (5 s unless told).</summary>
    public static RespConnection Open(string endpoint, TimeSpan? timeout = null)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new ArgumentException($"'{endpoint}' is not host:port", nameof(endpoint));
        }

        int ms = (int)(timeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        var client = new TcpClient { NoDelay = true, ReceiveTimeout = ms, SendTimeout = ms };
        try
        {
            if (!client.ConnectAsync(endpoint[..colon], port).Wait(ms))
            {
                throw new TimeoutException($"no connection to {endpoint} in {ms} ms");
            }

            return new RespConnection(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one command (each argument a string, sent as UTF-8, a byte[] or a number) and reads its
    /// reply: a status as string, an error as <see cref="RespError"/>, an integer as long, a bulk
    /// string as byte[], nil as null, an array as object?[].
    /// </summary>
    public object? Call(params object[] args)
    {
        var request = new MemoryStream();
        Write(request, $"*{args.Length}\r\n");
        foreach (object arg in args)
        {
            byte[] bytes = arg switch
            {
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                IFormattable f => Encoding.ASCII.GetBytes(f.ToString(null, CultureInfo.InvariantCulture)),
                _ => throw new ArgumentException($"cannot send a {arg.GetType().Name}", nameof(args)),
            };
            Write(request, $"${bytes.Length}\r\n");
            request.Write(bytes);
            Write(request, "\r\n");
        }

        stream.Write(request.GetBuffer(), 0, (int)request.Length);
        stream.Flush();
        return Read();
    }

    /// <summary>
    /// <see cref="Call"/> for a reply that is text: a status or a bulk string (as UTF-8). An error
    /// reply throws <see cref="InvalidOperationException"/> with its message.
    /// </summary>
    public string CallText(params object[] args) => Call(args) switch
    {
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        RespError e => throw new InvalidOperationException($"{args[0]}: {e.Message}"),
        var other => throw new InvalidOperationException($"{args[0]}: expected text, got {Describe(other)}"),
    };

    /// <summary>The "field:value" lines of an INFO section or CLUSTER INFO, as a dictionary.</summary>
    public static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] != '#')
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    public void Dispose()
    {
        stream.Dispose();
        client.Dispose();
    }

    private static void Write(MemoryStream to, string ascii) => to.Write(Encoding.ASCII.GetBytes(ascii));

    private static string Describe(object? reply) => reply switch
    {
        null => "nil",
        long n => $"the integer {n}",
        object?[] a => $"an array of {a.Length}",
        _ => reply.GetType().Name,
    };

    private object? Read()
    {
        int type = stream.ReadByte();
        if (type < 0)
        {
            throw new IOException("the server closed the connection");
        }

        string line = ReadLine();
        switch ((char)type)
        {
            case '+':
                return line;
            case '-':
                return new RespError(line);
            case ':':
                return long.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            case '$':
                int length = int.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                byte[] bulk = new byte[length];
                stream.ReadExactly(bulk);
                ReadLine(); // its CRLF
                return bulk;
            case '*':
                int count = int.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                object?[] items = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = Read();
                }

                return items;
            default:
                throw new InvalidDataException($"not a RESP2 reply: '{(char)type}{line}'");
        }
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw new IOException("the server closed the connection mid-reply");
            }

            if (b == '\r')
            {
                if (stream.ReadByte() != '\n')
                {
                    throw new InvalidDataException("CR without LF in a RESP reply");
                }

                return line.ToString();
            }

            line.Append((char)b);
        }
    }
}
