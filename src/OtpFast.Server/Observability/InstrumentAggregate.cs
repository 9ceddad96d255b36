using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using OtpFast.Core.Concurrency;

namespace OtpFast.Server.Observability;

/// <summary>
/// What one instrument's measurements add up to, per tag set: a sum (counters), the last value
/// (gauges and observable instruments) or bucket counts (histograms). Recording a measurement
/// for a tag set already seen allocates nothing and takes no lock: the request path records
/// one or two per request. Sums and bucket counts are kept per core, each on its own cache
/// lines, and added up at a scrape: one line written by every core would cost every request.
/// </summary>
internal sealed class InstrumentAggregate
{
    // A meter that makes a new tag value per event (an exception type, a port) cannot grow the
    // scrape without bound: measurements for tag sets beyond this many are dropped.
    private const int MaxSeries = 1000;

    // ASP.NET Core's own buckets for a duration in seconds, for a histogram that gives no advice.
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly bool _lastValue;
    private readonly double[] _buckets;
    private readonly object _adding = new();
    private Series[] _series = [];
    private bool _floating;

    public InstrumentAggregate(Instrument instrument)
    {
        Instrument = instrument;
        Type = instrument switch
        {
            Counter<long> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> => "histogram",
            _ => "gauge",
        };
        Name = PrometheusNames.MetricName(instrument, Type);

        // An observable instrument reports its running total or current value at each
        // collection, as does a synchronous gauge at each change; only synchronous counters
        // and up-down counters report increments to add up.
        _lastValue = instrument.IsObservable || instrument is Gauge<long> or Gauge<double>;
        _buckets = DefaultBuckets;
        if (instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } advised })
        {
            // A plain copy: a spread or ToArray() here costs the binary ~3 KB of generic code.
            _buckets = new double[advised.Count];
            for (int i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] = advised[i];
            }
        }
    }

    public Instrument Instrument { get; }

    /// <summary>The Prometheus family name.</summary>
    public string Name { get; }

    /// <summary>counter, gauge or histogram.</summary>
    public string Type { get; }

    /// <summary>The collection observable values belong to; a series not reported in the latest is not shown.</summary>
    public long Generation { get; set; }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Find(tags) is not { } series)
        {
            return;
        }

        if (Type == "histogram")
        {
            series.Observe(_buckets, value);
        }
        else if (_lastValue)
        {
            series.Set(value, Generation);
        }
        else
        {
            series.Total!.Add(value);
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_floating)
        {
            _floating = true;
        }

        if (Find(tags) is not { } series)
        {
            return;
        }

        if (Type == "histogram")
        {
            series.Observe(_buckets, value);
        }
        else if (_lastValue)
        {
            series.Set(value, Generation);
        }
        else
        {
            series.Add(value);
        }
    }

    /// <summary>Writes the family in Prometheus text format 0.0.4.</summary>
    public void Write(StringBuilder text)
    {
        Series[] all = Volatile.Read(ref _series);
        bool any = false;
        foreach (Series series in all)
        {
            if (_lastValue && series.Generation != Generation && Instrument.IsObservable)
            {
                continue;
            }

            if (!any)
            {
                any = true;
                text.Append("# HELP ").Append(Name).Append(' ');
                PrometheusNames.AppendHelp(text, Instrument.Description);
                text.Append("\n# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
            }

            if (Type == "histogram")
            {
                WriteHistogram(text, series);
            }
            else
            {
                text.Append(Name);
                WriteLabels(text, series, null);
                text.Append(' ');
                if (_floating)
                {
                    PrometheusNames.AppendNumber(text, series.LastOrSum(_lastValue));
                }
                else
                {
                    text.Append(series.LongValue(_lastValue).ToString(CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }
        }
    }

    private void WriteHistogram(StringBuilder text, Series series)
    {
        // The count is the buckets' total, read once, so _count and the +Inf bucket agree
        // even while requests are being recorded.
        long cumulative = 0;
        for (int i = 0; i <= _buckets.Length; i++)
        {
            cumulative += series.BucketCount(i);
            text.Append(Name).Append("_bucket");
            WriteLabels(text, series, i < _buckets.Length ? _buckets[i].ToString("0.##########", CultureInfo.InvariantCulture) : "+Inf");
            text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append(Name).Append("_sum");
        WriteLabels(text, series, null);
        text.Append(' ');
        PrometheusNames.AppendNumber(text, series.HistogramSum());
        text.Append('\n').Append(Name).Append("_count");
        WriteLabels(text, series, null);
        text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void WriteLabels(StringBuilder text, Series series, string? le)
    {
        if (series.Keys.Length == 0 && le is null)
        {
            return;
        }

        text.Append('{');
        for (int i = 0; i < series.Keys.Length; i++)
        {
            text.Append(i > 0 ? "," : string.Empty).Append(PrometheusNames.Sanitize(series.Keys[i])).Append("=\"");
            PrometheusNames.AppendLabelValue(text, series.Values[i]);
            text.Append('"');
        }

        if (le is not null)
        {
            text.Append(series.Keys.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
        }

        text.Append('}');
    }

    private Series? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (Series series in Volatile.Read(ref _series))
        {
            if (series.Matches(tags))
            {
                return series;
            }
        }

        return Add(tags);
    }

    // A new tag set: the only path that allocates, once per tag set. Readers keep scanning the
    // array they have; the new one replaces it whole.
    private Series? Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_adding)
        {
            Series[] all = _series;
            foreach (Series series in all)
            {
                if (series.Matches(tags))
                {
                    return series;
                }
            }

            if (all.Length >= MaxSeries)
            {
                return null;
            }

            var added = new Series(tags, Type == "histogram" ? _buckets.Length + 1 : 0, !_lastValue);
            Volatile.Write(ref _series, [.. all, added]);
            return added;
        }
    }

    /// <summary>One tag set's value.</summary>
    private sealed class Series
    {
        // A stripe's buckets start and end a cache line (8 longs) away from the next stripe's.
        private const int Gap = 8;

#pragma warning disable SA1401, CA1051 // Fields, so Interlocked can update them in place.
        public long Long;
        public double Double;
        public long Generation;

        /// <summary>A counter's total (null for gauges, observable instruments and histograms).</summary>
        public readonly StripedCounter? Total;
#pragma warning restore SA1401, CA1051

        // Histograms only: per stripe, Gap + bucket count (rounded up to a line) + Gap longs; and
        // per stripe the sum of the values observed, as double bits.
        private readonly long[]? _buckets;
        private readonly int _stride;
        private readonly PaddedLong[]? _sums;

        public Series(ReadOnlySpan<KeyValuePair<string, object?>> tags, int buckets, bool sums)
        {
            Keys = new string[tags.Length];
            Values = new object?[tags.Length];
            for (int i = 0; i < tags.Length; i++)
            {
                Keys[i] = tags[i].Key;
                Values[i] = tags[i].Value;
            }

            if (buckets > 0)
            {
                _stride = ((buckets + Gap - 1) / Gap * Gap) + Gap;
                _buckets = new long[(_stride * Stripes.Count) + Gap];
                _sums = new PaddedLong[Stripes.Count];
            }
            else if (sums)
            {
                Total = new StripedCounter();
            }
        }

        public string[] Keys { get; }

        public object?[] Values { get; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != Keys.Length)
            {
                return false;
            }

            for (int i = 0; i < tags.Length; i++)
            {
                // OtpFast passes the same string objects every time, so the reference test
                // decides; other meters' fresh boxes fall back to Equals (no allocation either).
                object? value = tags[i].Value;
                if (!ReferenceEquals(Values[i], value) && !Equals(Values[i], value))
                {
                    return false;
                }

                if (!ReferenceEquals(Keys[i], tags[i].Key) && !string.Equals(Keys[i], tags[i].Key, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public void Set(long value, long generation)
        {
            Volatile.Write(ref Long, value);
            Volatile.Write(ref Generation, generation);
        }

        public void Set(double value, long generation)
        {
            Volatile.Write(ref Double, value);
            Volatile.Write(ref Generation, generation);
        }

        public void Add(double value) => AddTo(ref Double, value);

        public void Observe(double[] bounds, double value)
        {
            int bucket = 0;
            while (bucket < bounds.Length && value > bounds[bucket])
            {
                bucket++;
            }

            int stripe = Stripes.Current;
            Interlocked.Increment(ref _buckets![(stripe * _stride) + Gap + bucket]);
            AddTo(ref Unsafe.As<long, double>(ref _sums![stripe].Value), value);
        }

        /// <summary>Observations in one bucket, over every stripe.</summary>
        public long BucketCount(int bucket)
        {
            long count = 0;
            for (int stripe = 0; stripe < _sums!.Length; stripe++)
            {
                count += Volatile.Read(ref _buckets![(stripe * _stride) + Gap + bucket]);
            }

            return count;
        }

        public double HistogramSum()
        {
            double sum = 0;
            for (int stripe = 0; stripe < _sums!.Length; stripe++)
            {
                sum += Volatile.Read(ref Unsafe.As<long, double>(ref _sums[stripe].Value));
            }

            return sum;
        }

        /// <summary>A gauge's last value or a counter's total.</summary>
        public long LongValue(bool lastValue) => lastValue ? Volatile.Read(ref Long) : Total!.Sum();

        private static void AddTo(ref double total, double value)
        {
            double seen = Volatile.Read(ref total);
            while (true)
            {
                double found = Interlocked.CompareExchange(ref total, seen + value, seen);
                if (found.Equals(seen))
                {
                    return;
                }

                seen = found;
            }
        }

        public double LastOrSum(bool lastValue) => lastValue ? Volatile.Read(ref Double) : Volatile.Read(ref Double) + Total!.Sum();
    }
}
