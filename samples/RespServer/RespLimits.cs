namespace RespServer;

/// <summary>
/// How much one request may ask the server to buffer. Bounds keep one client from exhausting memory. A whole
/// request must fit in the transport's read buffer (Kestrel's and Weir's default to 1 MiB): raise that limit
/// together with these.
/// </summary>
public sealed class RespLimits
{
    /// <summary>Gets the most arguments in one request, command name included.</summary>
    /// <remarks>Defaults to 4096.</remarks>
    public int MaximumArguments { get; init; } = 4096;

    /// <summary>Gets the longest bulk string (a key or a value), in bytes.</summary>
    /// <remarks>Defaults to 512 KiB.</remarks>
    public int MaximumBulkLength { get; init; } = 512 * 1024;

    /// <summary>Gets the longest inline command line, in bytes.</summary>
    /// <remarks>Defaults to 64 KiB.</remarks>
    public int MaximumInlineLength { get; init; } = 64 * 1024;

    /// <summary>Gets the most bytes one whole request may take.</summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public int MaximumRequestSize { get; init; } = 1024 * 1024;
}
