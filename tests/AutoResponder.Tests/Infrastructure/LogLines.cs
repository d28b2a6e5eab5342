using Microsoft.Extensions.Logging;

namespace AutoResponder.Tests.Infrastructure;

/// <summary>Every log line a host writes, with its level: register it as an <see cref="ILoggerProvider"/>.</summary>
public sealed class LogLines : ILoggerProvider, ILogger
{
    public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();
    public ILogger CreateLogger(string categoryName) => this;
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue((logLevel, formatter(state, exception)));
    public void Dispose() { }
}
