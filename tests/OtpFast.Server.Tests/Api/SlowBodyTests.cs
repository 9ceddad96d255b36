using System.Net.Sockets;

namespace OtpFast.Server.Tests.Api;

/// <summary>Bodies that arrive in pieces, too slowly, or never whole, on a real socket.</summary>
public sealed class SlowBodyTests
{
    [Fact]
    public async Task TwoHundredClientsThatAbandonTheirBodyHalfWayLogNothingAboveDebug()
    {
        // Every level reaches the capture, so a warning or an error cannot hide behind the defaults.
        await using TestApp app = await TestApp.StartAsync(TestApp.EveryLogLevel, sockets: true);
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
        int before = app.Logs.Count;

        // Content-Length 8000, about 100 bytes of it, a pause, then the client goes away.
        string bodyStart = "{\"apiKey\":\"" + app.Key + "\",\"tokenCreator\":\"";
        string partial = RawClient.PostHead(RawClient.RequestPath, 8000) + bodyStart + new string('x', 100 - bodyStart.Length);
        using var gate = new SemaphoreSlim(100);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using Socket socket = await RawClient.ConnectAsync(app.Port);
                await socket.SendAsync(partial);
                await Task.Delay(300);
            }
            finally
            {
                gate.Release();
            }
        }));

        // Kestrel logs the end of every connection (at Debug); wait for all 200 to be over.
        await app.Logs.WaitForEventAsync("ConnectionStop", 200, before, TimeSpan.FromSeconds(15));
        app.Logs.AssertNothingAboveDebugSince(before);
        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
    }

    [Fact]
    public async Task ABodySlowerThanMinDataBytesPerSecondGetsHttp408WithAnEmptyBodyAndTheNextConnectionIsServed()
    {
        await using TestApp app = await TestApp.StartAsync(new(TestApp.EveryLogLevel) { ["MinDataBytesPerSecond"] = "240" }, sockets: true);
        int before = app.Logs.Count;
        using Socket socket = await RawClient.ConnectAsync(app.Port);
        await socket.SendAsync(RawClient.PostHead(RawClient.RequestPath, 8000) + "{\"apiKey\":\"" + app.Key + "\",");

        // One byte every half second, far under 240 bytes a second, past the 5 s grace period.
        Task<(string Received, bool Closed)> answer = socket.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        for (int i = 0; i < 40 && !answer.IsCompleted; i++)
        {
            await Task.Delay(500);
            try
            {
                await socket.SendAsync(" ");
            }
            catch (SocketException)
            {
                break;
            }
        }

        var (received, closed) = await answer;
        Assert.True(closed, $"the connection is still open after: {received}");
        Assert.StartsWith("HTTP/1.1 408 ", received, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Length: 0\r\n", received, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\n", received, StringComparison.Ordinal);
        Assert.Contains(app.Logs.Entries.Skip(before), e => e.EventId.Name == "RequestBodyMinimumDataRateNotSatisfied");
        app.Logs.AssertNothingAboveDebugSince(before);

        Assert.Equal(200, (await app.RequestAsync(new { apiKey = app.Key })).Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyThatArrivesInPiecesIsAnsweredAsIfItCameAtOnce(bool chunked)
    {
        await using TestApp app = await TestApp.StartAsync(sockets: true);
        using Socket socket = await RawClient.ConnectAsync(app.Port);
        string body = "{\"apiKey\":\"" + app.Key + "\",\"tokenCreator\":\"pieces@example.com\",\"codeLength\":6}";
        string[] pieces = [body[..10], body[10..30], body[30..]];
        await socket.SendAsync(chunked
            ? $"POST {RawClient.RequestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            : RawClient.PostHead(RawClient.RequestPath, body.Length));
        foreach (string piece in pieces)
        {
            await Task.Delay(100);
            await socket.SendAsync(chunked ? $"{piece.Length:x}\r\n{piece}\r\n" : piece);
        }

        if (chunked)
        {
            await socket.SendAsync("0\r\n\r\n");
        }

        string answer = await socket.ReadAnswerAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Matches("\"code\":200,.*\"OTP\":\"[0-9]{6}\",\"token\":\"[A-Z2-7]{26}\"", answer);

        // The connection stays usable for the next request.
        string again = "{\"apiKey\":\"" + app.Key + "\"}";
        await socket.SendAsync(RawClient.PostHead(RawClient.RequestPath, again.Length) + again);
        Assert.Contains("\"code\":200,", await socket.ReadAnswerAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APieceWiseBodyOverMaxBodyBytesGets413AndTheConnectionStaysUsable()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["MaxBodyBytes"] = "1024" }, sockets: true);
        using Socket socket = await RawClient.ConnectAsync(app.Port);
        await socket.SendAsync($"POST {RawClient.RequestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(100);
            await socket.SendAsync($"200\r\n{new string(' ', 512)}\r\n");
        }

        await socket.SendAsync("0\r\n\r\n");
        Assert.Contains("\"code\":413,", await socket.ReadAnswerAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        string again = "{\"apiKey\":\"" + app.Key + "\"}";
        await socket.SendAsync(RawClient.PostHead(RawClient.RequestPath, again.Length) + again);
        Assert.Contains("\"code\":200,", await socket.ReadAnswerAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
    }
}
