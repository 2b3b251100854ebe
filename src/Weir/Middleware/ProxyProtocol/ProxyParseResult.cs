namespace Weir.Middleware.ProxyProtocol;

internal readonly struct ProxyParseResult
{
    private ProxyParseResult(ProxyParseStatus status, ProxyProtocolFeature? header, long length, string? error)
    {
        Status = status;
        Header = header;
        Length = length;
        Error = error;
    }

    public ProxyParseStatus Status { get; }

    /// <summary>The parsed header, when <see cref="Status"/> is <see cref="ProxyParseStatus.Parsed"/>.</summary>
    public ProxyProtocolFeature? Header { get; }

    /// <summary>The header's length in bytes, when parsed: how far to advance the reader.</summary>
    public long Length { get; }

    /// <summary>Why the header is invalid, when it is.</summary>
    public string? Error { get; }

    public static ProxyParseResult NeedMoreData { get; } = new(ProxyParseStatus.NeedMoreData, null, 0, null);

    public static ProxyParseResult Incomplete { get; } = new(ProxyParseStatus.Incomplete, null, 0, null);

    public static ProxyParseResult NotProxyProtocol { get; } = new(ProxyParseStatus.NotProxyProtocol, null, 0, null);

    public static ProxyParseResult Parsed(ProxyProtocolFeature header, long length) => new(ProxyParseStatus.Parsed, header, length, null);

    public static ProxyParseResult Invalid(string error) => new(ProxyParseStatus.Invalid, null, 0, error);
}
