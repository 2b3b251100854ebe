namespace Weir.Tests.Middleware.Infrastructure;

internal static class TestTimeouts
{
    /// <summary>How long any awaited event may take before the test fails as hung.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
}
