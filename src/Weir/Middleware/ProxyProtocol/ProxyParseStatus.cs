namespace Weir.Middleware.ProxyProtocol;

internal enum ProxyParseStatus
{
    /// <summary>Too few bytes to tell a signature from other data.</summary>
    NeedMoreData,

    /// <summary>A signature was seen; the rest of the header has not arrived yet.</summary>
    Incomplete,

    /// <summary>The first bytes are not a PROXY signature.</summary>
    NotProxyProtocol,

    Parsed,

    Invalid,
}
