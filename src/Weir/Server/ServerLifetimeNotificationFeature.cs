using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections.Features;

namespace Weir;

/// <summary>
/// Put on a connection whose transport offers no <see cref="IConnectionLifetimeNotificationFeature"/>, so every
/// handler can learn that the server wants it to finish.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification =
    "The source has no timer, so disposing frees nothing; not disposing it lets StopAsync ask a connection that is finishing at that moment without racing its disposal.")]
internal sealed class ServerLifetimeNotificationFeature : IConnectionLifetimeNotificationFeature
{
    private readonly CancellationTokenSource _closeRequested = new();

    public ServerLifetimeNotificationFeature()
    {
        ConnectionClosedRequested = _closeRequested.Token;
    }

    public CancellationToken ConnectionClosedRequested { get; set; }

    public void RequestClose() => _closeRequested.Cancel();
}
