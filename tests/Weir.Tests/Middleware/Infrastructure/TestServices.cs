using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Weir.Tests.Middleware.Infrastructure;

/// <summary>A service provider with a fake log collector (at <paramref name="minimumLevel"/>) and a meter factory.</summary>
internal static class TestServices
{
    public static ServiceProvider Create(LogLevel minimumLevel = LogLevel.Trace) =>
        new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(minimumLevel))
            .AddFakeLogging()
            .AddMetrics()
            .BuildServiceProvider();

    public static IReadOnlyList<FakeLogRecord> Logs(this IServiceProvider services) =>
        services.GetFakeLogCollector().GetSnapshot();
}
