namespace Weir.Reliability.Tests.Infrastructure;

/// <summary>The figures a test held, written to its output (shown by <c>dotnet test</c> with detailed output).</summary>
internal static class Report
{
    public static void Line(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
