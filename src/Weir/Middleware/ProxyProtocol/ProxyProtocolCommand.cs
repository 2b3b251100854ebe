namespace Weir.Middleware.ProxyProtocol;

/// <summary>What a PROXY header says about the connection.</summary>
public enum ProxyProtocolCommand
{
    /// <summary>The connection was relayed for a client; the header carries the client's addresses if it knew them.</summary>
    Proxy,

    /// <summary>The proxy opened the connection itself (a health check, v2 <c>LOCAL</c>); the real endpoints stand.</summary>
    Local,
}
