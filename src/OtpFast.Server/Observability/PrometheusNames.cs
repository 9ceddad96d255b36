using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OtpFast.Server.Observability;

/// <summary>
/// The OpenTelemetry-to-Prometheus naming rules (dots to underscores, the unit as a suffix,
/// <c>_total</c> on counters), so a series has the name OpenTelemetry's Prometheus exporter
/// would give it and dashboards keep working if OtpFast ever switches to that exporter.
/// </summary>
internal static class PrometheusNames
{
    public static string MetricName(Instrument instrument, string type)
    {
        string name = Sanitize(instrument.Name);
        string? unit = UnitSuffix(instrument.Unit);
        if (unit is not null && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        return type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    public static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return text.Length > 0 && char.IsAsciiDigit(text[0]) ? "_" + text : text.ToString();
    }

    /// <summary>A label value as Prometheus text wants it: invariant numbers, quotes, backslashes and newlines escaped.</summary>
    public static void AppendLabelValue(StringBuilder text, object? value)
    {
        string raw = value switch
        {
            null => string.Empty,
            string s => s,
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
        AppendEscaped(text, raw, quotes: true);
    }

    public static void AppendNumber(StringBuilder text, double value) => text.Append(
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture));

    public static void AppendHelp(StringBuilder text, string? help) => AppendEscaped(text, help ?? string.Empty, quotes: false);

    private static void AppendEscaped(StringBuilder text, string raw, bool quotes)
    {
        foreach (char c in raw)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '"' when quotes => text.Append("\\\""),
                _ => text.Append(c),
            };
        }
    }

    // UCUM units as .NET's meters use them; annotations such as {connection} name no unit.
    private static string? UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => null,
        _ when unit.StartsWith('{') => null,
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        _ => Sanitize(unit),
    };
}
