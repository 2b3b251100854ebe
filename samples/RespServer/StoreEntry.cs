namespace RespServer;

/// <summary>
/// One value and when it expires. Immutable: a change replaces the entry, so a compare-and-swap on the
/// reference makes read-modify-write commands (INCR, EXPIRE) atomic.
/// </summary>
internal sealed class StoreEntry(byte[] value, long expiresAtMilliseconds)
{
    public byte[] Value { get; } = value;

    /// <summary>Gets the Unix time in milliseconds at which the entry expires, or 0 for never.</summary>
    public long ExpiresAtMilliseconds { get; } = expiresAtMilliseconds;

    public bool IsExpiredAt(long nowMilliseconds) => ExpiresAtMilliseconds != 0 && ExpiresAtMilliseconds <= nowMilliseconds;
}
