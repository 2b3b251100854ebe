using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Weir;

/// <summary>What <see cref="ServerBuilder.Listen"/> recorded: the pipeline is configured at <see cref="ServerBuilder.Build"/>.</summary>
internal sealed record ListenerDefinition(EndPoint EndPoint, IConnectionListenerFactory Transport, Action<IConnectionBuilder> Configure);
