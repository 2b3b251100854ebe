using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Weir.Middleware;

/// <summary>What every middleware takes from the pipeline's services, with a quiet default when they are absent.</summary>
internal static class MiddlewareServices
{
    public static ILogger CreateLogger(IConnectionBuilder builder, string categoryName) =>
        (builder.ApplicationServices?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(categoryName);
}
