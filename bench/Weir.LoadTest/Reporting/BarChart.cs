using System.Globalization;
using System.Security;
using System.Text;

namespace Weir.LoadTest.Reporting;

/// <summary>
/// A self-contained SVG: one row per scenario, Weir's median next to Kestrel's, both scaled to Kestrel = 1,
/// with the absolute figures written on the bars. No plotting tool needed to read it.
/// </summary>
internal static class BarChart
{
    private const int Width = 760;
    private const int LabelWidth = 150;
    private const int RowHeight = 56;
    private const int BarHeight = 20;
    private const int Top = 50;

    public static string Render(IReadOnlyList<ScenarioSummary> summaries, string title)
    {
        var rows = summaries.Where(s => s.Transports.Contains("weir") && s.Transports.Contains("kestrel")).ToArray();
        var maxRatio = Math.Max(1.0, rows.Select(r => ScenarioSummary.SpreadOf(r.Ratios()).Median).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max());
        var scale = (Width - LabelWidth - 230) / maxRatio;
        var height = Top + (rows.Length * RowHeight) + 40;

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="22" font-size="15" font-weight="bold">{Escape(title)}</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="40" fill="#555">Kestrel's transport = 1 (grey); Weir in blue; longer is better (for memory: less memory)</text>""");

        for (var i = 0; i < rows.Length; i++)
        {
            var summary = rows[i];
            var y = Top + (i * RowHeight);
            var primary = summary.Scenario.Primary;
            var ratio = ScenarioSummary.SpreadOf(summary.Ratios()).Median;
            var weir = ScenarioSummary.SpreadOf(summary.Rounds("weir").Select(r => r.Value(primary))).Median;
            var kestrel = ScenarioSummary.SpreadOf(summary.Rounds("kestrel").Select(r => r.Value(primary))).Median;
            var unit = ResultTable.Label(primary);

            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 18}" font-weight="bold">{Escape(summary.Scenario.Name)}</text>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 34}" fill="#555">{ratio:F2}× Kestrel</text>""");
            Bar(svg, y + 2, 1.0 * scale, "#9e9e9e", string.Create(CultureInfo.InvariantCulture, $"Kestrel {kestrel:N0} {unit}"));
            Bar(svg, y + 2 + BarHeight + 2, (double.IsNaN(ratio) ? 0 : ratio) * scale, "#1565c0", string.Create(CultureInfo.InvariantCulture, $"Weir {weir:N0} {unit}"));
        }

        var oneX = LabelWidth + scale;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{oneX:F1}" y1="{Top - 4}" x2="{oneX:F1}" y2="{height - 30}" stroke="#333" stroke-dasharray="4 3"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{oneX - 4:F1}" y="{height - 16}" fill="#333">1×</text>""");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Bar(StringBuilder svg, int y, double length, string colour, string label)
    {
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{LabelWidth}" y="{y}" width="{Math.Max(1, length):F1}" height="{BarHeight}" fill="{colour}"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{LabelWidth + Math.Max(1, length) + 6:F1}" y="{y + 15}">{Escape(label)}</text>""");
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
