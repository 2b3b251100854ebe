namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>
/// Sizes for CI and for the long run (<c>WEIR_LONG=1</c>): each test says what it ran, so a reader of CI output
/// knows what was scaled down.
/// </summary>
internal static class LongRun
{
    public static bool Enabled => Environment.GetEnvironmentVariable("WEIR_LONG") == "1";

    public static int Size(string what, int ci, int full)
    {
        var size = Enabled ? full : ci;
        Report.Line(Enabled
            ? $"{what}: {size} (long run)"
            : $"{what}: {size}; the long run (WEIR_LONG=1) uses {full}");
        return size;
    }
}
