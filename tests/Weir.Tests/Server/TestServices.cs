using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Weir.Tests.Server;

/// <summary>Per-test services: fake logging at every level, a meter factory of the test's own.</summary>
public static class TestServices
{
    public static ServiceProvider Create(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection()
            .AddMetrics()
            .AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static IReadOnlyList<FakeLogRecord> Logs(this IServiceProvider services, int eventId) =>
        [.. services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == eventId)];
}
