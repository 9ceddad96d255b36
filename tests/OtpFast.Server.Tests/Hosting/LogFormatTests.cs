using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

/// <summary>Issue 11, item 9: structured logs, small stable event ids, and still no secret in them.</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task LogFormatJsonGivesOneJsonObjectPerLineWithOurEventIdsAndNoKeyCodeOrToken()
    {
        await using TestApp app = await TestApp.StartAsync(new() { ["Logging:Console:FormatterName"] = "json" });
        string formatter = app.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName!;
        Assert.Equal("json", formatter);
        app.Logs.Formatter = app.App.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == formatter);

        var (token, otp) = await app.IssueAsync("secret-user@example.com");
        await app.VerifyAsync(new { apiKey = app.Key, token, otp });
        await app.RequestAsync(new { apiKey = "otpf_wrongwrongwrongwrongwrongwrongwr" });
        await File.WriteAllTextAsync(app.AccountsPath, "{ corrupt");
        await app.Logs.WaitForEventAsync("LogReloadFailed", 1, 0, TimeSpan.FromSeconds(10));

        string[] lines = app.Logs.Formatted.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var ours = new List<JsonElement>();
        foreach (string line in lines)
        {
            using JsonDocument parsed = JsonDocument.Parse(line);
            JsonElement entry = parsed.RootElement.Clone();
            Assert.Equal(JsonValueKind.Object, entry.ValueKind);
            if (entry.GetProperty("Category").GetString()!.StartsWith("OtpFast.", StringComparison.Ordinal))
            {
                ours.Add(entry);
            }
        }

        JsonElement reload = Assert.Single(ours, e => e.GetProperty("EventId").GetInt32() == 3);
        Assert.Equal("Error", reload.GetProperty("LogLevel").GetString());
        Assert.True(reload.GetProperty("State").TryGetProperty("Problem", out _), "the message's values are fields of State");
        string all = string.Join('\n', lines);
        foreach (string secret in app.Keys.Values.Append(token).Append(otp).Append("otpf_wrongwrongwrongwrongwrongwrongwr"))
        {
            Assert.DoesNotContain(secret, all, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task AnUnknownLogFormatStopsTheStartWithItsName()
    {
        StartupException e = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(new() { ["Logging:Console:FormatterName"] = "xml" }));
        Assert.Contains("'xml'", e.Message, StringComparison.Ordinal);
        Assert.Contains("simple, json or systemd", e.Message, StringComparison.Ordinal);
    }

    // Operators filter and alert on event ids: each message has its own small number, for good.
    [Fact]
    public void EveryLogMessageOfOursHasItsOwnSmallEventId()
    {
        var ids = typeof(OtpFast.Server.Hosting.ServerHost).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        Assert.True(ids.Count >= 15, $"found only {ids.Count} log messages");
        Assert.All(ids, x => Assert.InRange(x.Attribute!.EventId, 1, 99));
        Assert.Equal(ids.Count, ids.Select(x => x.Attribute!.EventId).Distinct().Count());
    }
}
