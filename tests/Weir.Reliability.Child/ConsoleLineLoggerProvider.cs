using Microsoft.Extensions.Logging;

namespace Weir.Reliability.Child;

/// <summary>Writes each log event as one line, so the parent test can watch for it on standard output.</summary>
internal sealed class ConsoleLineLoggerProvider : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Console.WriteLine($"log {eventId.Id} {logLevel}: {formatter(state, exception)}");
    }

    public void Dispose()
    {
    }
}
