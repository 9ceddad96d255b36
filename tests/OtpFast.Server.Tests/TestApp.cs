using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OtpFast.Core.Accounts;
using OtpFast.Server.Hosting;
using OtpFast.Server.Tests.Api;

namespace OtpFast.Server.Tests;

/// <summary>
/// The real server pipeline on an in-process test host (or, with <c>sockets</c>, on Kestrel
/// listening on 127.0.0.1), with a fresh data directory holding one account per state, a fake
/// clock, and captured logs.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, string dataDir, bool ownsDir, Dictionary<string, string> keys, FakeTimeProvider time, LogCapture logs, string console, bool sockets)
    {
        App = app;
        DataDir = dataDir;
        OwnsDir = ownsDir;
        Keys = keys;
        Time = time;
        Logs = logs;
        Console = console;
        if (sockets)
        {
            var url = new Uri(app.Urls.Single());
            Port = url.Port;
            Client = new HttpClient { BaseAddress = url };
        }
        else
        {
            Client = app.GetTestClient();
        }
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>The port Kestrel listens on at 127.0.0.1 (started with <c>sockets</c>); 0 on the in-process host.</summary>
    public int Port { get; }

    public string DataDir { get; }

    private bool OwnsDir { get; }

    /// <summary>Keys by account name: active, blocked, deactivated, expired, other.</summary>
    public Dictionary<string, string> Keys { get; }

    public string Key => Keys["active"];

    public FakeTimeProvider Time { get; }

    public LogCapture Logs { get; }

    /// <summary>What the server printed to its console at start-up.</summary>
    public string Console { get; }

    public string AccountsPath => AccountsFile.PathIn(DataDir);

    /// <summary>Settings that let every log level reach <see cref="Logs"/> (add a test's own to a copy).</summary>
    public static Dictionary<string, string?> EveryLogLevel => new() { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" };

    /// <param name="sockets">Listen on a real socket at 127.0.0.1 on a free port instead of the in-process host.</param>
    public static async Task<TestApp> StartAsync(Dictionary<string, string?>? settings = null, string? dataDir = null, bool seedAccounts = true, bool sockets = false)
    {
        bool ownsDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("otpfast-test-").FullName;
        var keys = new Dictionary<string, string>();
        string accounts = AccountsFile.PathIn(dataDir);
        if (seedAccounts && !File.Exists(accounts))
        {
            keys["active"] = AccountsFile.Add(accounts, "active", null);
            keys["other"] = AccountsFile.Add(accounts, "other", null);
            keys["blocked"] = AccountsFile.Add(accounts, "blocked", null);
            AccountsFile.SetState(accounts, "blocked", AccountState.SendingBlocked);
            keys["deactivated"] = AccountsFile.Add(accounts, "deactivated", null);
            AccountsFile.SetState(accounts, "deactivated", AccountState.Deactivated);
            keys["expired"] = AccountsFile.Add(accounts, "expired", new DateOnly(2026, 11, 27));
        }

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var logs = new LogCapture();
        var console = new StringWriter();
        // Unlimited account rate unless a test sets one: most tests send far more than 1000 requests a second.
        var config = new Dictionary<string, string?> { ["DataDir"] = dataDir, ["AccountsReloadMilliseconds"] = "100", ["DefaultAccountRatePerSecond"] = "0" };
        if (sockets)
        {
            config["Urls"] = "http://127.0.0.1:0";
        }

        foreach (var (k, v) in settings ?? [])
        {
            config[k] = v;
        }

        WebApplication app = ServerHost.Build([], builder =>
        {
            if (!sockets)
            {
                builder.WebHost.UseTestServer();
            }

            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Logging.AddProvider(logs);
        }, console);
        await app.StartAsync();
        OpenApiContract.Prepare();
        return new TestApp(app, dataDir, ownsDir, keys, time, logs, console.ToString(), sockets);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (OwnsDir)
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>POSTs a raw body with the given Content-Type (null sends none) and returns the HTTP status and JSON body.</summary>
    public async Task<Answer> PostAsync(string path, string body, string? contentType = "application/json")
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using HttpResponseMessage response = await Client.PostAsync(path, content);
        return await Answer.ReadAsync(response);
    }

    public Task<Answer> RequestAsync(string body, string? contentType = "application/json") => PostAsync("/v4/requestOneTimeCode", body, contentType);

    public Task<Answer> VerifyAsync(string body) => PostAsync("/v4/verifyOneTimeCode", body);

    public Task<Answer> RequestAsync(object fields) => RequestAsync(JsonSerializer.Serialize(fields));

    public Task<Answer> VerifyAsync(object fields) => VerifyAsync(JsonSerializer.Serialize(fields));

    /// <summary>Requests a pair for <paramref name="creator"/> and returns its token and code.</summary>
    public async Task<(string Token, string Otp)> IssueAsync(string creator, string? key = null, int expiry = 300)
    {
        Answer a = await RequestAsync(new { apiKey = key ?? Key, tokenCreator = creator, expiry, codeLength = 6 });
        Assert.Equal(200, a.Code);
        return (a.String("token"), a.String("OTP"));
    }
}

/// <summary>An API answer: HTTP status plus the parsed JSON body.</summary>
internal sealed record Answer(HttpStatusCode Status, JsonElement Body, string Raw, string? ContentType)
{
    public int Code => Body.GetProperty("code").GetInt32();

    public string String(string name) => Body.GetProperty(name).GetString()!;

    public bool Has(string name) => Body.TryGetProperty(name, out _);

    /// <summary>Reads an answer; one to a documented API path must be what docs/openapi.json allows (so it cannot drift).</summary>
    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        string raw = await response.Content.ReadAsStringAsync();
        if (response.RequestMessage?.RequestUri is { } uri
            && OpenApiContract.DocumentedPath(uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString) is string path
            && path.StartsWith("/v4/", StringComparison.Ordinal))
        {
            OpenApiContract.AssertPostAnswer(path, response.StatusCode, raw);
        }

        JsonElement body = raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone();
        return new Answer(response.StatusCode, body, raw, response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>One log entry as the server wrote it.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, EventId EventId, string Line);

/// <summary>Collects every log line the server writes, for searching.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IEnumerable<LogEntry> Entries => _entries;

    public int Count => _entries.Count;

    public IEnumerable<string> Lines => _entries.Select(e => e.Line);

    public string All => string.Join('\n', Lines);

    /// <summary>When set, every later entry is also written by this console formatter (the server's own) into <see cref="Formatted"/>.</summary>
    public Microsoft.Extensions.Logging.Console.ConsoleFormatter? Formatter { get; set; }

    public StringWriter Formatted { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits (at most <paramref name="within"/>) until <paramref name="count"/> entries of an event were logged after the first <paramref name="since"/>; fails if they were not.</summary>
    public async Task WaitForEventAsync(string eventName, int count, int since, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int Seen() => _entries.Skip(since).Count(e => e.EventId.Name == eventName);
        while (Seen() < count && clock.Elapsed < within)
        {
            await Task.Delay(50);
        }

        Assert.True(Seen() >= count, $"{Seen()} of {count} {eventName} entries within {within}");
    }

    /// <summary>Fails if anything above Debug was logged after the first <paramref name="since"/> entries.</summary>
    public void AssertNothingAboveDebugSince(int since)
    {
        LogEntry[] loud = _entries.Skip(since).Where(e => e.Level > LogLevel.Debug).ToArray();
        Assert.True(loud.Length == 0, $"{loud.Length} entries above Debug, the first: {loud.FirstOrDefault()?.Line}");
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue(new LogEntry(logLevel, category, eventId, $"{logLevel} {category}: {formatter(state, exception)} {exception}"));
            if (owner.Formatter is { } console)
            {
                lock (owner.Formatted)
                {
                    console.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), null, owner.Formatted);
                }
            }
        }
    }
}
