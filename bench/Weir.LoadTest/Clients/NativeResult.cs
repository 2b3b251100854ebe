using System.Globalization;

namespace Weir.LoadTest.Clients;

/// <summary>The native client's <c>key=value</c> line (<c>result …</c> or <c>ready …</c>); keys it lacks read as 0 or NaN.</summary>
internal readonly record struct NativeResult(IReadOnlyDictionary<string, string> Values)
{
    public long Operations => Long("ops");

    public long Bytes => Long("bytes");

    public long Errors => Long("errors");

    public long Mismatches => Long("mismatches");

    public long Open => Long("open");

    public TimeSpan Elapsed => TimeSpan.FromSeconds(Double("seconds", 0));

    public double P50Micros => Double("p50_us");

    public double P99Micros => Double("p99_us");

    public TimeSpan Cpu => TimeSpan.FromSeconds(Double("cpu_user_s", 0) + Double("cpu_sys_s", 0));

    public static NativeResult Parse(string line)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[part[..eq]] = part[(eq + 1)..];
            }
        }

        return new NativeResult(values);
    }

    private long Long(string key) =>
        Values.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private double Double(string key, double missing = double.NaN) =>
        Values.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : missing;
}
